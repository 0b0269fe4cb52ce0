package io.github.sparkresnet.model.helpers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The NCHW batch-norm loops compute what DL4J's built-in batch norm computes, on every (channels,
 * size) that ResNet34 has on 32x32 images: the training-mode output, the inference-mode output with
 * given running statistics, the gamma and beta gradients, the gradient at the input (through the
 * convolution before it), and the running mean and variance updates.
 */
class NchwBatchNormHelperTest {

    @AfterAll
    static void restore() {
        System.setProperty(OneDnnHelpers.DISABLE_PROPERTY, "false");
    }

    @ParameterizedTest(name = "{0} channels on {1}x{1}")
    @CsvSource({"64, 16", "64, 8", "128, 4", "256, 2", "512, 1"})
    void matchesDl4jBuiltInBatchNorm(int channels, int side) {
        ComputationGraph builtIn = convThenBatchNorm(false, channels, side);
        ComputationGraph loops = convThenBatchNorm(true, channels, side);
        assertNull(builtIn.getLayer("bn").getHelper(), "reference must use DL4J's own path");
        assertTrue(loops.getLayer("bn").getHelper() instanceof NchwBatchNormHelper);
        Nd4j.getRandom().setSeed(11);
        INDArray params = builtIn.params().dup();
        // running statistics away from their initial 0 and 1, so that inference mode is tested too
        builtIn.setParams(params);
        builtIn.getLayer("bn").setParam("mean", Nd4j.randn(DataType.FLOAT, 1, channels).muli(0.3));
        builtIn.getLayer("bn").setParam("var", Nd4j.rand(DataType.FLOAT, 1, channels).addi(0.5));
        builtIn.getLayer("bn").setParam("gamma", Nd4j.rand(DataType.FLOAT, 1, channels).addi(0.5));
        builtIn.getLayer("bn").setParam("beta", Nd4j.randn(DataType.FLOAT, 1, channels).muli(0.1));
        loops.setParams(builtIn.params().dup());

        // offset inputs: a channel mean well away from 0, as activations after ReLU have
        INDArray x = Nd4j.randn(DataType.FLOAT, 6, 8, side, side).addi(2.0);
        INDArray y = Nd4j.randn(DataType.FLOAT, 6, channels, side, side);
        for (boolean training : new boolean[] {true, false}) {
            close(builtIn.feedForward(x, training).get("bn"), loops.feedForward(x, training).get("bn"), 1e-5,
                    "output, training " + training);
        }
        for (ComputationGraph net : new ComputationGraph[] {builtIn, loops}) {
            net.setInput(0, x);
            net.setLabels(y);
            net.computeGradientAndScore();
        }
        assertEquals(builtIn.score(), loops.score(), 1e-5 * Math.abs(builtIn.score()));
        for (String name : new String[] {"bn_gamma", "bn_beta", "conv_W", "bn_mean", "bn_var"}) {
            close(builtIn.gradient().getGradientFor(name), loops.gradient().getGradientFor(name), 1e-4,
                    name + " gradient");
        }
    }

    private static void close(INDArray expected, INDArray actual, double tolerance, String what) {
        double err = expected.sub(actual).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
        assertTrue(err < tolerance, what + ": relative error " + err);
    }

    /** in (8 channels) -> conv 3x3 -> batch norm with ReLU -> MSE, as ResNet34's blocks use them. */
    private static ComputationGraph convThenBatchNorm(boolean helpers, int channels, int side) {
        OneDnnHelpers.enable();
        System.setProperty(OneDnnHelpers.DISABLE_PROPERTY, Boolean.toString(!helpers));
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(3)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .convolutionMode(ConvolutionMode.Truncate)
                .graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(channels).hasBias(false)
                        .activation(Activation.IDENTITY).cudnnAllowFallback(false).build(), "in")
                // No fallback: an exception in the helper must fail the test, not hand over to DL4J.
                .addLayer("bn", new BatchNormalization.Builder().nOut(channels).eps(1e-5).decay(0.9)
                        .useLogStd(false).activation(Activation.RELU).cudnnAllowFallback(false).build(), "conv")
                .addLayer("out", new CnnLossLayer.Builder(LossFunction.MSE).activation(Activation.IDENTITY).build(), "bn")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(side, side, 8))
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        OneDnnHelpers.tune(net);
        return net;
    }
}
