package io.github.sparkresnet.train;

import io.github.sparkresnet.model.OneDnnHelpers;
import io.github.sparkresnet.spark.ProcessMemory;

import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Runs on the workers around every minibatch fit: applies {@link OneDnnHelpers#tune} to the network
 * dl4j-spark built there, and reports each minibatch's loss and size, and the executor's memory,
 * through Spark accumulators, so the driver knows the epoch's mean training loss, progress and the
 * executors' peak memory ({@link ExecutorMemory}). Accumulators updated inside dl4j-spark's actions
 * count each task once, even when Spark re-runs a task.
 *
 * <p>The loss recorded is the data loss. DL4J's score adds the regularization penalty (for weight
 * decay 0.5 * wd * |w|^2, hundreds at --weight-decay 0.05, measured), which would bury the loss; it is
 * taken off as computed with the parameters the score saw, those before the update.
 */
final class WorkerHook implements TrainingHook {
    /** The penalty before this thread's current update: pre- and postUpdate run on the worker's thread. */
    private static final ThreadLocal<Double> PENALTY_BEFORE_UPDATE = ThreadLocal.withInitial(() -> 0.0);

    private final DoubleAccumulator lossSum;
    private final LongAccumulator examples;
    private final ExecutorMemory memory;

    WorkerHook(DoubleAccumulator lossSum, LongAccumulator examples, ExecutorMemory memory) {
        this.lossSum = lossSum;
        this.examples = examples;
        this.memory = memory;
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        tune(model);
        rememberPenalty(model);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
        record(model, minibatch.numExamples());
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        tune(model);
        rememberPenalty(model);
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        record(model, minibatch.getFeatures(0).size(0));
    }

    private static void tune(Model model) {
        if (model instanceof ComputationGraph graph) {
            OneDnnHelpers.tune(graph);
        }
    }

    private static void rememberPenalty(Model model) {
        PENALTY_BEFORE_UPDATE.set(model instanceof ComputationGraph graph ? graph.calcRegularizationScore(true) : 0.0);
    }

    private void record(Model model, long examplesInMinibatch) {
        lossSum.add((model.score() - PENALTY_BEFORE_UPDATE.get()) * examplesInMinibatch);
        examples.add(examplesInMinibatch);
        // after the fit, when the minibatch's activations and gradients are still held
        memory.recordPeak(ProcessMemory.now());
    }
}
