package io.github.sparkresnet.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class TestTimeAugmentationTest {
    private static ComputationGraph net;

    /** A small network that sees left from right (a conv, then a dense layer over every position). */
    @BeforeAll
    static void network() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "conv")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(6, 6, 3))
                .build();
        net = new ComputationGraph(conf);
        net.init();
    }

    private static INDArray images(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, n, 3, 6, 6).subi(0.5);
    }

    @Test
    void mirroredReversesEveryRowOfEveryChannel() {
        INDArray x = Nd4j.arange(2 * 3 * 4 * 5).castTo(DataType.FLOAT).reshape(2, 3, 4, 5);
        INDArray m = TestTimeAugmentation.mirrored(x);
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 4; y++) {
                    for (int col = 0; col < 5; col++) {
                        assertEquals(x.getFloat(n, c, y, 4 - col), m.getFloat(n, c, y, col));
                    }
                }
            }
        }
        assertEquals(0f, x.getFloat(0, 0, 0, 0), "the input is left as it is");
    }

    @Test
    void flipAveragesTheOutputsForTheImageAndItsMirror() {
        INDArray x = images(5, 11);
        INDArray plain = net.outputSingle(false, x.dup());
        INDArray ofMirror = net.outputSingle(false, TestTimeAugmentation.mirrored(x));
        assertNotEquals(plain, ofMirror, "the network must tell an image from its mirror for this test to mean anything");

        INDArray flip = TestTimeAugmentation.FLIP.probabilities(net, x);
        assertArrayEquals(plain.add(ofMirror).muli(0.5).data().asFloat(), flip.data().asFloat(), 1e-6f);
        assertArrayEquals(plain.data().asFloat(), TestTimeAugmentation.NONE.probabilities(net, x).data().asFloat(), 1e-6f);
        // an image that is its own mirror scores the same either way
        INDArray symmetric = x.add(TestTimeAugmentation.mirrored(x));
        assertArrayEquals(net.outputSingle(false, symmetric.dup()).data().asFloat(),
                TestTimeAugmentation.FLIP.probabilities(net, symmetric).data().asFloat(), 1e-5f);
    }

    @Test
    void theEvaluatorScoresWithTheChosenAugmentation() {
        INDArray x = images(8, 5);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 8, 2);
        for (int i = 0; i < 8; i++) {
            labels.putScalar(i, i % 2, 1);
        }
        List<DataSet> batches = List.of(new DataSet(x, labels));
        INDArray p = TestTimeAugmentation.FLIP.probabilities(net, x);
        double expectedLoss = -org.nd4j.linalg.ops.transforms.Transforms.log(p.mul(labels).sum(1), false)
                .meanNumber().doubleValue();
        EvalResult flip = Evaluator.evaluate(net, batches, List.of("a", "b"), TestTimeAugmentation.FLIP);
        EvalResult none = Evaluator.evaluate(net, batches, List.of("a", "b"), TestTimeAugmentation.NONE);
        assertEquals(expectedLoss, flip.meanLoss(), 1e-5);
        assertNotEquals(none.meanLoss(), flip.meanLoss(), 1e-9);
        assertEquals(8, flip.examples());
    }

    @Test
    void namesAreTheOptionValues() {
        assertEquals(TestTimeAugmentation.FLIP, TestTimeAugmentation.named(" Flip "));
        for (TestTimeAugmentation t : TestTimeAugmentation.values()) {
            assertEquals(t, TestTimeAugmentation.named(t.label()));
            assertTrue(TestTimeAugmentation.NAMES.contains(t.label()), t + " missing from NAMES");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TestTimeAugmentation.named("rotate"));
        assertEquals("expected one of none, flip, found 'rotate'", e.getMessage());
    }
}
