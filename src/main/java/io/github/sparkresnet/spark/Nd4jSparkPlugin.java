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
 * networks DL4J builds inside training tasks then get the oneDNN (or cuDNN) layer helpers too.
 * Registered through {@code spark.plugins} by {@link SparkSessions} and {@code conf/spark-defaults.conf}.
 */
public final class Nd4jSparkPlugin implements SparkPlugin {
    @Override
    public DriverPlugin driverPlugin() {
        return new DriverPlugin() {
            @Override
            public Map<String, String> init(SparkContext sc, PluginContext ctx) {
                Nd4jSetup.configure("driver");
                return Collections.emptyMap();
            }
        };
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void init(PluginContext ctx, Map<String, String> extraConf) {
                Nd4jSetup.configure("executor " + ctx.executorID() + " on " + hostname());
            }
        };
    }

    /** This machine's name. (Not ctx.hostname(): an executor's RPC environment has no address, so it throws.) */
    private static String hostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown host";
        }
    }
}
