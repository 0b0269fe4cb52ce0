package io.github.sparkresnet.averaging;

import io.github.sparkresnet.model.helpers.OneDnnHelpers;
import io.github.sparkresnet.spark.ProcessMemory;

import java.io.Serializable;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * What the workers report about every minibatch they fit, through Spark accumulators: its loss and
 * size, so the driver knows the epoch's mean training loss and its progress, and the executor's
 * memory ({@link ExecutorMemory}). Accumulators updated inside actions count each successful task
 * once, even when Spark re-runs a task.
 *
 * <p>The loss recorded is the data loss. DL4J's score adds the regularization penalty (for weight
 * decay 0.5 * wd * |w|^2, hundreds at --weight-decay 0.05, measured), which would bury the loss; it is
 * taken off as computed with the parameters the score saw, those before the update.
 */
public final class MinibatchRecorder implements Serializable {
    /** The penalty before this thread's current update: before and after run on the worker's thread. */
    private static final ThreadLocal<Double> PENALTY_BEFORE_UPDATE = ThreadLocal.withInitial(() -> 0.0);

    private final DoubleAccumulator lossSum;
    private final LongAccumulator examples;
    private final ExecutorMemory memory;

    public MinibatchRecorder(DoubleAccumulator lossSum, LongAccumulator examples, ExecutorMemory memory) {
        this.lossSum = lossSum;
        this.examples = examples;
        this.memory = memory;
    }

    /** What had been recorded at some point, on the driver. */
    record Mark(double lossSum, long examples) {
    }

    /** On the driver: what has been recorded so far. */
    Mark mark() {
        return new Mark(lossSum.value(), examples.value());
    }

    /**
     * On the driver: back to {@code mark}, forgetting what the tasks of a round that was not averaged
     * in recorded (its minibatches are fitted again).
     */
    void rollBack(Mark mark) {
        lossSum.reset();
        lossSum.add(mark.lossSum());
        examples.reset();
        examples.add(mark.examples());
    }

    /** Fits one minibatch on {@code net} and records it. */
    void fit(ComputationGraph net, org.nd4j.linalg.dataset.api.DataSet minibatch) {
        OneDnnHelpers.tune(net);
        before(net);
        net.fit(minibatch);
        after(net, minibatch.numExamples());
    }

    /** Just before the fit of a minibatch. */
    void before(ComputationGraph net) {
        PENALTY_BEFORE_UPDATE.set(net.calcRegularizationScore(true));
    }

    /** Where the executor's memory samples go, for other work of the workers' tasks. */
    ExecutorMemory memory() {
        return memory;
    }

    /** Just after the fit of a minibatch of {@code size} examples. */
    void after(ComputationGraph net, long size) {
        lossSum.add((net.score() - PENALTY_BEFORE_UPDATE.get()) * size);
        examples.add(size);
        // after the fit, when the minibatch's activations and gradients are still held
        memory.recordPeak(ProcessMemory.now());
    }
}
