package io.github.sparkresnet.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.sparkresnet.train.LearningRateSchedule.Kind;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class LearningRateScheduleTest {
    private static final double LR = 1e-3;

    @Test
    void constantStepAndCosine() {
        LearningRateSchedule constant = new LearningRateSchedule(Kind.CONSTANT, LR, 10, 0, 2, 0.1);
        assertEquals(LR, constant.at(0), 0);
        assertEquals(LR, constant.at(9.9), 0);

        LearningRateSchedule step = new LearningRateSchedule(Kind.STEP, LR, 10, 0, 3, 0.1);
        assertEquals(LR, step.at(2.99), 1e-15);
        assertEquals(LR * 0.1, step.at(3), 1e-15);
        assertEquals(LR * 0.01, step.at(6.5), 1e-15);

        LearningRateSchedule cosine = new LearningRateSchedule(Kind.COSINE, LR, 10, 0, 2, 0.1);
        assertEquals(LR, cosine.at(0), 1e-15);
        assertEquals(LR / 2, cosine.at(5), 1e-12);
        assertEquals(0, cosine.at(10), 1e-15);
    }

    @Test
    void warmUpRisesLinearlyThenHandsOver() {
        LearningRateSchedule s = new LearningRateSchedule(Kind.COSINE, LR, 11, 1, 2, 0.1);
        assertEquals(LR * 0.5, s.at(0.5), 1e-15);
        assertEquals(LR, s.at(1), 1e-15, "the cosine starts where the warm-up ends");
        assertEquals(LR / 2, s.at(6), 1e-12, "and spans the remaining 10 epochs");
        assertEquals(LR * 0.01, s.at(0), 1e-15, "never exactly 0 in the first round");
    }

    @Test
    void aWarmUpMayLastAFractionOfAnEpoch() {
        LearningRateSchedule s = new LearningRateSchedule(Kind.COSINE, LR, 2, 0.25, 2, 0.1);
        assertEquals(LR * 0.5, s.at(0.125), 1e-15);
        assertEquals(LR, s.at(0.25), 1e-15, "the cosine starts where the warm-up ends");
        assertEquals(LR / 2, s.at(1.125), 1e-12, "and spans the remaining 1.75 epochs");
        assertEquals(0, s.at(2), 1e-15);
    }

    @Test
    void setLearningRateReachesTheConfigurationTheWorkersReceive() {
        // dl4j-spark broadcasts getConfiguration() to the workers each round: the rate must be there.
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().updater(new Adam(LR))
                .graphBuilder().addInputs("in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "in")
                .setOutputs("out").build());
        g.init();
        g.setLearningRate(2.5e-4);
        ComputationGraph copy = new ComputationGraph(
                org.deeplearning4j.nn.conf.ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson()));
        copy.init();
        BaseLayer layer = (BaseLayer) ((LayerVertex) copy.getConfiguration().getVertices().get("out")).getLayerConf()
                .getLayer();
        assertEquals(2.5e-4, ((Adam) layer.getIUpdater()).getLearningRate(), 0);
    }
}
