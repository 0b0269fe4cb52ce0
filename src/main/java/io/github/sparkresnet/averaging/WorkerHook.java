package io.github.sparkresnet.averaging;

import io.github.sparkresnet.model.helpers.OneDnnHelpers;
import io.github.sparkresnet.spark.Nd4jSetup;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * {@link MinibatchRecorder} as a dl4j-spark training hook, for {@link DriverAveraging}: dl4j-spark builds
 * each worker's network itself every round, so the hook also applies {@link OneDnnHelpers#tune} to it,
 * and sizes ND4J's threads to the task ({@link Nd4jSetup#useTaskCpus}).
 */
final class WorkerHook implements TrainingHook {
    private final MinibatchRecorder recorder;

    WorkerHook(MinibatchRecorder recorder) {
        this.recorder = recorder;
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        before(model);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
        recorder.after((ComputationGraph) model, minibatch.numExamples());
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        before(model);
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        recorder.after((ComputationGraph) model, minibatch.getFeatures(0).size(0));
    }

    private void before(Model model) {
        Nd4jSetup.useTaskCpus();
        ComputationGraph graph = (ComputationGraph) model;
        OneDnnHelpers.tune(graph);
        recorder.before(graph);
    }
}
