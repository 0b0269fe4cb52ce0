package io.github.sparkresnet.averaging;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Synchronous parameter averaging across the workers, one round at a time: in a round, worker
 * {@code w} fits partition {@code w} of the round's minibatches starting from the common state, and
 * afterwards every worker's parameters and Adam state are the mean over the workers that trained.
 * Two implementations ({@code --averaging}): {@link AllReduceAveraging}, replicas that stay on the
 * executors and average among themselves, and {@link DriverAveraging}, dl4j-spark's master, which
 * rebuilds the workers' networks every round and averages on the driver.
 */
public interface Averaging extends AutoCloseable {

    /** {@code --averaging}: where the workers' states are averaged. */
    enum Kind { ALLREDUCE, DRIVER }

    /**
     * {@code --averaged}: what a round averages. STATE: parameters (batch-norm statistics included)
     * and Adam's two moments, as dl4j-spark does. PARAMETERS: the parameters only, each worker keeping
     * its own moments between the epoch's rounds (a third of the traffic); the moments are averaged
     * once, at the end of each epoch.
     */
    enum Averaged { STATE, PARAMETERS }

    /** Fits one round ({@code round} has one partition per worker) at {@code learningRate}. */
    void fitRound(JavaRDD<DataSet> round, double learningRate);

    /**
     * The averaged network, on the driver: for evaluation and checkpoints. May fail with a
     * {@link RoundLostException} when the workers' state is lost before the driver has it.
     */
    ComputationGraph network();

    /**
     * After a {@link RoundLostException}: puts the workers back to the driver's network, the recovery
     * point: the averaged state as of the last {@link #network()} (an epoch's start, or a copy taken
     * during the epoch). Returns how many rounds completed since then were lost with the state; the
     * caller fits their minibatches again, and what the workers recorded of them no longer counts.
     */
    int rewind();

    /**
     * Completes when an executor that registered during the run is ready to take a worker, with a
     * few words on how it got ready (empty: nothing to say). By default at once.
     */
    default Future<String> prepare(String executorId) {
        return CompletableFuture.completedFuture("");
    }

    /** A line about the rounds since the last call (what averaging cost), or empty. */
    default String roundSummary() {
        return "";
    }

    @Override
    void close();
}
