package io.github.sparkresnet.averaging;

import io.github.sparkresnet.model.NetworkState;
import io.github.sparkresnet.model.ResNet34;
import io.github.sparkresnet.spark.JoiningExecutors;
import io.github.sparkresnet.spark.Nd4jSetup;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.SparkEnv;
import scala.reflect.ClassTag$;

/**
 * What an executor that starts while a run trains prepares before it takes a task
 * ({@link JoiningExecutors}): a replica of the run's network, built and run once on a minibatch of
 * the run's size ({@link Replicas#prepare}), and the round's own code run once on a state of its
 * size ({@link ReplicaRound#warmUp}), so that its first round starts like any other worker's instead
 * of holding that round up for the seconds a build, cold kernels, interpreted copy loops and fresh
 * buffers take (its first task took 4-11 s where a round took 1-2 s, in the chaos bench).
 */
public final class JoinPreparation implements Consumer<Map<String, String>> {
    private static final String CONFIGURATION = "configuration";
    private static final String MINIBATCH = "minibatch";
    private static final String SLICES = "slices";
    private static final String PARAMETERS_ONLY = "parametersOnly";

    /**
     * What the driver offers executors starting during run {@code run} of network
     * {@code configurationJson}, whose workers fit minibatches of {@code minibatch} images and whose
     * state is cut into {@code slices} slices (of the parameters and of the moments when
     * {@code parametersOnly}).
     */
    static Map<String, String> offer(String run, String configurationJson, int minibatch, int slices,
                                     boolean parametersOnly) {
        Map<String, String> offer = new HashMap<>();
        offer.put(JoiningExecutors.CLASS, JoinPreparation.class.getName());
        offer.put(JoiningExecutors.RUN, run);
        offer.put(CONFIGURATION, configurationJson);
        offer.put(MINIBATCH, Integer.toString(minibatch));
        offer.put(SLICES, Integer.toString(slices));
        offer.put(PARAMETERS_ONLY, Boolean.toString(parametersOnly));
        return offer;
    }

    /** Instantiated by name on the executor. */
    public JoinPreparation() {
    }

    @Override
    public void accept(Map<String, String> offer) {
        Nd4jSetup.useCpus(SparkEnv.get().conf().getInt("spark.task.cpus", 1));
        String json = offer.get(CONFIGURATION);
        String run = offer.get(JoiningExecutors.RUN);
        int slices = Integer.parseInt(offer.get(SLICES));
        boolean parametersOnly = Boolean.parseBoolean(offer.get(PARAMETERS_ONLY));
        Replicas.prepare(run, () -> ResNet34.fromJson(json), Integer.parseInt(offer.get(MINIBATCH)),
                net -> ReplicaRound.warmUp(new NetworkState(net), slices, parametersOnly, new RoundBlocks(run)));
        // The first task's deserialization reads its broadcast with Spark's serializer, whose first use
        // loads and registers every class it knows (Kryo's): done here, the instance stays pooled for it.
        SparkEnv.get().serializer().newInstance().serialize(offer, ClassTag$.MODULE$.apply(Map.class));
    }
}
