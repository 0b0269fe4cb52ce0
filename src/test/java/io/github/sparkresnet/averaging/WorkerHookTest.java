package io.github.sparkresnet.averaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.eval.MemoryUsage;
import io.github.sparkresnet.spark.ProcessMemory;

import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** What the workers report per minibatch: the data loss, without weight decay's penalty. */
class WorkerHookTest {

    @Test
    void recordsTheCrossEntropyOfTheParametersBeforeTheUpdateWithoutThePenalty() {
        ComputationGraph net = smallNet(0.5);
        DataSet batch = batch();
        // cross-entropy by hand from the forward pass with the parameters the fit will start from
        double expected = crossEntropy(net.outputSingle(batch.getFeatures()), batch.getLabels());

        assertEquals(expected, recordedLoss(net, batch), 1e-4);
        // the score DL4J itself reports carries the penalty: what the hook takes off is real
        assertTrue(net.score() - expected > 0.1, "score " + net.score() + " vs data loss " + expected);
    }

    @Test
    void withoutRegularizationTheScoreIsTheLoss() {
        ComputationGraph net = smallNet(0);
        DataSet batch = batch();
        double expected = crossEntropy(net.outputSingle(batch.getFeatures()), batch.getLabels());
        double recorded = recordedLoss(net, batch);
        assertEquals(expected, recorded, 1e-4);
        assertEquals(net.score(), recorded, 1e-6);
    }

    /** One fit of {@code batch} with the hook around it, as a worker runs it: the mean loss it recorded. */
    private static double recordedLoss(ComputationGraph net, DataSet batch) {
        DoubleAccumulator lossSum = new DoubleAccumulator();
        LongAccumulator examples = new LongAccumulator();
        ExecutorMemory memory = new ExecutorMemory();
        WorkerHook hook = new WorkerHook(new MinibatchRecorder(lossSum, examples, memory));
        hook.preUpdate(batch, net);
        net.fit(batch);
        hook.postUpdate(batch, net);
        assertEquals(batch.numExamples(), examples.value());
        // one sample after the fit, the peak; what is retained after a GC is measured apart, not here
        MemoryUsage usage = memory.usage(ProcessMemory.now());
        assertTrue(usage.executorResidentBytes() > 0);
        assertEquals(-1, usage.executorResidentRetainedBytes());
        return lossSum.value() / examples.value();
    }

    private static ComputationGraph smallNet(double weightDecay) {
        DenseLayer.Builder hidden = new DenseLayer.Builder().nIn(4).nOut(16).activation(Activation.RELU);
        OutputLayer.Builder out = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(2)
                .activation(Activation.SOFTMAX);
        if (weightDecay > 0) {
            hidden.weightDecay(weightDecay, true);
            out.weightDecay(weightDecay, true);
        }
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder()
                .seed(7).updater(new Adam(1e-2)).graphBuilder()
                .addInputs("in")
                .addLayer("hidden", hidden.build(), "in")
                .addLayer("out", out.build(), "hidden")
                .setOutputs("out").build());
        net.init();
        return net;
    }

    private static DataSet batch() {
        Nd4j.getRandom().setSeed(3);
        INDArray features = Nd4j.randn(8, 4).muli(3);
        INDArray labels = Nd4j.zeros(8, 2);
        for (int i = 0; i < 8; i++) {
            labels.putScalar(i, i % 2, 1.0);
        }
        return new DataSet(features, labels);
    }

    /** Mean over examples of -sum(y * log p). */
    private static double crossEntropy(INDArray probabilities, INDArray labels) {
        double sum = 0;
        for (int i = 0; i < labels.rows(); i++) {
            for (int c = 0; c < labels.columns(); c++) {
                sum -= labels.getDouble(i, c) * Math.log(probabilities.getDouble(i, c));
            }
        }
        return sum / labels.rows();
    }
}
