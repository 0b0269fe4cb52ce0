package io.github.sparkresnet.ml;

import io.github.sparkresnet.model.SavedNetworks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A network whose outputs a test computes by hand: the mean of each colour channel (normalized as in
 * training), then softmax of fixed weights, class 0 for red over blue, class 1 for blue over red.
 * It takes the ResNet34's input (3×32×32) and gives its output (two class probabilities).
 */
final class ColourNetwork {
    /** Logits over the mean R, G, B. */
    static final float[][] WEIGHTS = {{1, 0, -1}, {-1, 0, 1}};

    private ColourNetwork() {
    }

    static ComputationGraph graph() {
        return graph(0);
    }

    /** The same with class 1's logit raised by {@code bias1} (large: class 0's probability underflows to 0). */
    static ComputationGraph graph(float bias1) {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(32, 32, 3))
                .addLayer("mean", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(3).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "mean")
                .setOutputs("out").build());
        net.init();
        // DL4J's dense weights are [nIn, nOut]
        net.getLayer("out").setParam("W", Nd4j.createFromArray(WEIGHTS).transpose().dup());
        net.getLayer("out").setParam("b", Nd4j.createFromArray(new float[][] {{0, bias1}}));
        return net;
    }

    /** The network as the zip {@code train} saves. */
    static byte[] zip() {
        return zip(graph());
    }

    static byte[] zip(ComputationGraph net) {
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try {
            SavedNetworks.write(net, zip);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return zip.toByteArray();
    }

    /** The probabilities by hand for an image of one colour: each channel to [-1, 1] (mean/std 0.5), softmax. */
    static double[] probabilities(int red, int green, int blue) {
        double[] mean = {(red / 255.0 - 0.5) / 0.5, (green / 255.0 - 0.5) / 0.5, (blue / 255.0 - 0.5) / 0.5};
        double[] logits = new double[2];
        for (int k = 0; k < 2; k++) {
            for (int c = 0; c < 3; c++) {
                logits[k] += WEIGHTS[k][c] * mean[c];
            }
        }
        double z = Math.exp(logits[0]) + Math.exp(logits[1]);
        return new double[] {Math.exp(logits[0]) / z, Math.exp(logits[1]) / z};
    }
}
