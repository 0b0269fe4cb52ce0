package io.github.sparkresnet.spark;

import org.apache.spark.SparkEnv;
import org.apache.spark.executor.CoarseGrainedExecutorBackend;
import org.apache.spark.executor.ExecutorBackend;
import scala.Option;

/**
 * What an executor knows about itself that its driver learns later or not at all.
 *
 * <p>Spark decommissions an executor by telling it so; from then on the executor takes no new
 * task and exits as soon as none is running (checked once a second), taking its blocks with it.
 * A task that ends on such an executor is the last chance to put what it produced somewhere that
 * outlives it. Spark keeps that state on the executor's backend, visible to Spark's own classes
 * only (a Scala {@code private[executor]} field, public in the bytecode); 3.5 and 4.0 both name its
 * accessor as below. Where the accessor is missing (another Spark), the answer is "not leaving",
 * which is what it was before: the driver still notices the decommission at the next round boundary.
 * With block migration on, Spark keeps the executor until its blocks have moved, but it stores no
 * new block at all ({@link #storesNoNewBlocks}).
 */
public final class ThisExecutor {
    private ThisExecutor() {
    }

    /**
     * True when Spark is decommissioning this executor with block migration on
     * ({@code spark.storage.decommission.enabled}): its block manager then refuses every new block
     * but broadcasts, and the executor stays until its blocks have moved.
     */
    public static boolean storesNoNewBlocks() {
        SparkEnv env = SparkEnv.get();
        if (env == null || env.blockManager() == null) {
            return false;
        }
        try {
            return env.blockManager().decommissioner().isDefined();
        } catch (LinkageError e) {
            return false;
        }
    }

    /** True when this JVM is an executor that Spark is decommissioning. */
    public static boolean beingDecommissioned() {
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            return false;
        }
        try {
            Option<ExecutorBackend> backend = env.executorBackend();
            return backend.isDefined() && backend.get() instanceof CoarseGrainedExecutorBackend coarse
                    && coarse.org$apache$spark$executor$CoarseGrainedExecutorBackend$$decommissioned();
        } catch (LinkageError e) {
            return false;
        }
    }
}
