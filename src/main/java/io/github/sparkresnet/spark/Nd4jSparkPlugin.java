package io.github.sparkresnet.spark;

import java.util.Collections;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * Runs {@link Nd4jSetup} in the driver and in every executor JVM as it starts, before any task: the
 * networks DL4J builds inside training tasks then get the oneDNN (or cuDNN) layer helpers too. Also
 * has {@code javax.imageio} decode in memory ({@link #decodeImagesInMemory}), and an executor that
 * starts while a run trains prepare for it before Spark offers it tasks ({@link JoiningExecutors}), and
 * cached blocks an executor's loss left with one copy get their second when an executor arrives
 * ({@link CopyRestorer}).
 * Registered through {@code spark.plugins} by {@link SparkSessions} and {@code conf/spark-defaults.conf}.
 */
public final class Nd4jSparkPlugin implements SparkPlugin {
    @Override
    public DriverPlugin driverPlugin() {
        return new DriverPlugin() {
            /** Asked for its application id when an executor writes: a cluster assigns it after the plugins start. */
            private SparkContext sc;
            private CopyRestorer copies;

            @Override
            public Map<String, String> init(SparkContext sc, PluginContext ctx) {
                Nd4jSetup.configure("driver");
                decodeImagesInMemory();
                this.sc = sc;
                this.copies = new CopyRestorer(sc);
                return Collections.emptyMap();
            }

            @Override
            public Object receive(Object message) {
                return copies.receive(message) ? null
                        : JoiningExecutors.receive(sc.applicationId(), message, copies::copiesOnArrival);
            }

            @Override
            public void shutdown() {
                copies.close();
            }
        };
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void init(PluginContext ctx, Map<String, String> extraConf) {
                Nd4jSetup.configure("executor " + ctx.executorID() + " on " + address());
                decodeImagesInMemory();
                // announced after the preparation (copies received meanwhile slow it), before it says it
                // is ready: the driver lets it join once those copies are made
                JoiningExecutors.prepare(ctx, () -> CopyRestorer.announce(ctx));
            }
        };
    }

    /**
     * The job ({@code --images}) and Spark's image source (the Spark ML estimator's input) decode each
     * file with {@code ImageIO.read} from its bytes in memory, and ImageIO by default copies every such
     * stream to a temporary file first (its disk cache, meant for streams too large to buffer): a file
     * written and deleted per image. Off, it reads from memory (0.19 against 0.58 ms a CIFAR-sized PNG
     * in a single-threaded loop here; within a Spark read the per-file costs of the scan dominate).
     */
    static void decodeImagesInMemory() {
        javax.imageio.ImageIO.setUseCache(false);
    }

    /**
     * The address the executor serves its blocks on (what the driver and other executors connect to),
     * then this machine's name when it differs: on a host with several addresses the name alone does
     * not say which network the executor is on. (Not ctx.hostname(): an executor's RPC environment
     * has no address, so it throws.)
     */
    private static String address() {
        String name;
        try {
            name = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            name = "unknown host";
        }
        try {
            String served = org.apache.spark.SparkEnv.get().blockManager().blockManagerId().host();
            return served.equals(name) ? name : served + " (" + name + ")";
        } catch (RuntimeException notYetKnown) {
            return name;
        }
    }
}
