package io.github.sparkresnet.model.helpers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The small-input products compute what DL4J's built-in convolution computes: outputs in training and
 * inference, weight, bias and input gradients (the input gradient of the second layer feeds the first
 * layer's weight gradient), on toy channel counts and on ResNet34's own stage 3 and 4 shapes.
 */
class SmallInputConvGemmTest {

    @AfterAll
    static void restore() {
        System.setProperty(OneDnnHelpers.DISABLE_PROPERTY, "false");
    }

    @Test
    void planAcceptsOnlyShapesWhereEveryOutputPixelSeesEveryInputPixel() {
        int[] k3 = {3, 3};
        int[] s1 = {1, 1};
        int[] p1 = {1, 1};
        assertNotNull(SmallInputConvGemm.plan(2, 2, 2, 2, k3, s1, p1), "stage 3: 2x2 -> 2x2");
        assertNotNull(SmallInputConvGemm.plan(1, 1, 1, 1, k3, s1, p1), "stage 4: 1x1 -> 1x1");
        assertNotNull(SmallInputConvGemm.plan(2, 2, 1, 1, k3, new int[] {2, 2}, p1), "stage 4's first: 2x2 -> 1x1");
        assertNull(SmallInputConvGemm.plan(4, 4, 4, 4, k3, s1, p1), "4x4: corners out of a 3x3 kernel's reach");
        assertNull(SmallInputConvGemm.plan(2, 2, 1, 1, new int[] {1, 1}, new int[] {2, 2}, new int[] {0, 0}),
                "1x1 stride-2 shortcut skips three of four input pixels");
    }

    @ParameterizedTest(name = "{0}x{1} input, {6} -> {7} channels, second conv k{2} stride {3} pad {4}, bias {5}")
    @CsvSource({
        "2, 2, 3, 1, 1, false, 12, 10",
        "2, 2, 3, 1, 1, true, 12, 10",
        "1, 1, 3, 1, 1, false, 12, 10",
        "2, 2, 3, 2, 1, true, 12, 10",
        "2, 2, 3, 1, 1, false, 256, 256",
        "2, 2, 3, 2, 1, false, 256, 512",
        "1, 1, 3, 1, 1, false, 512, 512",
    })
    void matchesDl4jBuiltInConvolution(int h, int w, int k, int stride, int pad, boolean bias, int mid, int out) {
        ComputationGraph builtIn = twoConvs(false, h, w, k, stride, pad, bias, mid, out);
        ComputationGraph gemm = twoConvs(true, h, w, k, stride, pad, bias, mid, out);
        assertNull(builtIn.getLayer("b").getHelper(), "reference must use DL4J's own path");
        assertTrue(gemm.getLayer("b").getHelper() instanceof SmallInputConvHelper);
        gemm.setParams(builtIn.params().dup());

        Nd4j.getRandom().setSeed(42);
        int outSide = (h + 2 * pad - k) / stride + 1;
        INDArray x = Nd4j.randn(DataType.FLOAT, 5, 8, h, w);
        INDArray y = Nd4j.randn(DataType.FLOAT, 5, out, outSide, outSide);
        for (boolean training : new boolean[] {true, false}) {
            INDArray expected = builtIn.outputSingle(training, x);
            assertTrue(relativeError(expected, gemm.outputSingle(training, x)) < 1e-5,
                    "output, training " + training);
        }
        for (ComputationGraph net : new ComputationGraph[] {builtIn, gemm}) {
            net.setInput(0, x);
            net.setLabels(y);
            net.computeGradientAndScore();
        }
        assertEquals(builtIn.score(), gemm.score(), 1e-5 * Math.abs(builtIn.score()));
        for (String name : bias ? new String[] {"a_W", "b_W", "b_b"} : new String[] {"a_W", "b_W"}) {
            double err = relativeError(builtIn.gradient().getGradientFor(name), gemm.gradient().getGradientFor(name));
            assertTrue(err < 1e-5, name + " gradient relative error " + err);
        }

        // One weight changed in place, as an update does: the products must not reuse the old weights.
        for (ComputationGraph net : new ComputationGraph[] {builtIn, gemm}) {
            INDArray weights = net.getLayer("b").getParam("W");
            weights.putScalar(new long[] {0, 0, 1, 1}, weights.getFloat(0, 0, 1, 1) + 0.5f);
        }
        assertTrue(relativeError(builtIn.outputSingle(false, x), gemm.outputSingle(false, x)) < 1e-5,
                "output after a weight update");
    }

    private static double relativeError(INDArray expected, INDArray actual) {
        return expected.sub(actual).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
    }

    /** in -> conv a (3x3, pad 1, 8 -> mid) -> conv b (the shape under test, mid -> out) -> MSE. */
    private static ComputationGraph twoConvs(boolean helpers, int h, int w, int k, int stride, int pad, boolean bias,
                                             int mid, int out) {
        OneDnnHelpers.enable();
        System.setProperty(OneDnnHelpers.DISABLE_PROPERTY, Boolean.toString(!helpers));
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(7)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .convolutionMode(ConvolutionMode.Truncate)
                .graphBuilder()
                .addInputs("in")
                // No fallback: an exception in the helper must fail the test, not hand over to DL4J.
                .addLayer("a", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(mid).hasBias(false)
                        .activation(Activation.IDENTITY).cudnnAllowFallback(false).build(), "in")
                .addLayer("b", new ConvolutionLayer.Builder(k, k).stride(stride, stride).padding(pad, pad).nOut(out)
                        .hasBias(bias).activation(Activation.IDENTITY).cudnnAllowFallback(false).build(), "a")
                .addLayer("out", new CnnLossLayer.Builder(LossFunction.MSE).activation(Activation.IDENTITY).build(), "b")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(h, w, 8))
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        OneDnnHelpers.tune(net);
        return net;
    }
}
