package io.github.sparkresnet.averaging;

import io.github.sparkresnet.model.ResNet34;
import io.github.sparkresnet.spark.JoiningExecutors;
import io.github.sparkresnet.spark.Nd4jSetup;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.SparkEnv;

/**
 * What an executor that starts while a run trains prepares before it takes a task
 * ({@link JoiningExecutors}): a replica of the run's network, built and run once
 * ({@link Replicas#prepare}), so that its first round starts like any other worker's instead of
 * holding that round up for the seconds a build and cold kernels take.
 */
public final class JoinPreparation implements Consumer<Map<String, String>> {
    private static final String CONFIGURATION = "configuration";

    /** What the driver offers executors starting during run {@code run} of network {@code configurationJson}. */
    static Map<String, String> offer(String run, String configurationJson) {
        Map<String, String> offer = new HashMap<>();
        offer.put(JoiningExecutors.CLASS, JoinPreparation.class.getName());
        offer.put(JoiningExecutors.RUN, run);
        offer.put(CONFIGURATION, configurationJson);
        return offer;
    }

    /** Instantiated by name on the executor. */
    public JoinPreparation() {
    }

    @Override
    public void accept(Map<String, String> offer) {
        Nd4jSetup.useCpus(SparkEnv.get().conf().getInt("spark.task.cpus", 1));
        String json = offer.get(CONFIGURATION);
        Replicas.prepare(offer.get(JoiningExecutors.RUN), () -> ResNet34.fromJson(json));
    }
}
