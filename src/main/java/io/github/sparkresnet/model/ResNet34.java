package io.github.sparkresnet.model;

import io.github.sparkresnet.model.helpers.OneDnnHelpers;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.distribution.UniformDistribution;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * ResNet34 as torchvision builds it, as a DL4J {@link ComputationGraph}.
 *
 * <pre>
 * stem:    conv 7x7/2, 64, no bias -> BN -> ReLU -> max-pool 3x3/2 pad 1      (32x32 -> 16 -> 8)
 *          (--stem cifar: conv 3x3/1, no pool: 32x32; --stem pooled: conv 3x3/1 and the pool: 16x16)
 * stage 1: 3 BasicBlocks,  64 channels, stride 1                              (8x8)
 * stage 2: 4 BasicBlocks, 128 channels, stride 2 in the first                 (4x4)
 * stage 3: 6 BasicBlocks, 256 channels, stride 2 in the first                 (2x2)
 * stage 4: 3 BasicBlocks, 512 channels, stride 2 in the first                 (1x1)
 * head:    global average pool -> dense softmax over the classes
 * BasicBlock: conv3x3(stride) -> BN -> ReLU -> conv3x3 -> BN, + shortcut, ReLU.
 * The shortcut is a 1x1 conv (with the block's stride) + BN where the shape changes, else identity.
 * </pre>
 *
 * Initialization as the reference: Kaiming-normal (fan_out, ReLU) convolutions, BN gamma 1 / beta 0,
 * torch's default uniform(+-1/sqrt(fan_in)) for the dense layer; Adam; multi-class cross-entropy.
 * Layer names carry stage and block: {@code s2b1_conv1}, {@code s2b1_shortcut_bn}, {@code s2b1_out}.
 */
public final class ResNet34 {
    /** Blocks per stage and channels per stage, torchvision's {@code resnet34}. */
    static final int[] BLOCKS = {3, 4, 6, 3};
    static final int[] CHANNELS = {64, 128, 256, 512};
    public static final String INPUT = "input";
    public static final String OUTPUT = "output";
    /** PyTorch BatchNorm2d defaults: eps 1e-5; momentum 0.1 is DL4J decay 0.9. */
    private static final double BN_EPS = 1e-5;
    private static final double BN_DECAY = 0.9;

    private final ResNetConfig config;

    private ResNet34(ResNetConfig config) {
        this.config = config;
    }

    /** A new, initialized network (with oneDNN helpers on, see {@link OneDnnHelpers}). */
    public static ComputationGraph build(ResNetConfig config) {
        OneDnnHelpers.enable();
        ComputationGraph net = new ComputationGraph(configuration(config));
        net.init();
        OneDnnHelpers.tune(net);
        return net;
    }

    /**
     * A network of the configuration {@code json} ({@code net.getConfiguration().toJson()}), initialized
     * and with the fast paths on: how workers build their replicas of the driver's network.
     */
    public static ComputationGraph fromJson(String json) {
        OneDnnHelpers.enable();
        ComputationGraph net = new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
        net.init();
        OneDnnHelpers.tune(net);
        return net;
    }

    /** The graph configuration alone (what Spark ships to the executors). */
    public static ComputationGraphConfiguration configuration(ResNetConfig config) {
        return new ResNet34(config).graph();
    }

    /** Name of the last vertex of a stage (1-4): the output of its last block. */
    public static String stageOutput(int stage) {
        return blockName(stage, BLOCKS[stage - 1]) + "_out";
    }

    private ComputationGraphConfiguration graph() {
        GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(config.seed())
                .dataType(DataType.FLOAT)
                .updater(new Adam(config.learningRate()))
                .convolutionMode(ConvolutionMode.Truncate)
                .trainingWorkspaceMode(config.workspaceMode())
                .inferenceWorkspaceMode(config.workspaceMode())
                .cacheMode(config.cacheMode())
                .graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(config.height(), config.width(), config.channels(),
                        config.dataFormat()));
        String x = stem(g, INPUT);
        int in = CHANNELS[0];
        for (int stage = 1; stage <= BLOCKS.length; stage++) {
            int out = CHANNELS[stage - 1];
            for (int block = 1; block <= BLOCKS[stage - 1]; block++) {
                int stride = stage > 1 && block == 1 ? 2 : 1;
                x = basicBlock(g, blockName(stage, block), x, in, out, stride);
                in = out;
            }
        }
        head(g, x);
        return g.setOutputs(OUTPUT).build();
    }

    private String stem(GraphBuilder g, String input) {
        if (config.stem() == ResNetConfig.Stem.IMAGENET) {
            g.addLayer("stem_conv", conv(7, 2, 3, CHANNELS[0], false).build(), input);
        } else {
            g.addLayer("stem_conv", conv(3, 1, 1, CHANNELS[0], false).build(), input);
        }
        g.addLayer("stem_bn", batchNorm(CHANNELS[0], Activation.RELU), "stem_conv");
        if (config.stem() == ResNetConfig.Stem.CIFAR) {
            return "stem_bn";
        }
        g.addLayer("stem_pool", new SubsamplingLayer.Builder(PoolingType.MAX)
                .kernelSize(3, 3).stride(2, 2).padding(1, 1).dataFormat(config.dataFormat()).build(), "stem_bn");
        return "stem_pool";
    }

    private String basicBlock(GraphBuilder g, String name, String input, int in, int out, int stride) {
        boolean bias = config.biasedBlockConvs();
        g.addLayer(name + "_conv1", conv(3, stride, 1, out, bias).build(), input);
        g.addLayer(name + "_bn1", batchNorm(out, Activation.RELU), name + "_conv1");
        g.addLayer(name + "_conv2", conv(3, 1, 1, out, bias).build(), name + "_bn1");
        g.addLayer(name + "_bn2", batchNorm(out, Activation.IDENTITY), name + "_conv2");
        String shortcut = stride != 1 || in != out ? projectionShortcut(g, name, input, out, stride) : input;
        g.addVertex(name + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), name + "_bn2", shortcut);
        g.addLayer(name + "_out", new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "_add");
        return name + "_out";
    }

    private String projectionShortcut(GraphBuilder g, String name, String input, int out, int stride) {
        g.addLayer(name + "_shortcut_conv", conv(1, stride, 0, out, false).build(), input);
        g.addLayer(name + "_shortcut_bn", batchNorm(out, Activation.IDENTITY), name + "_shortcut_conv");
        return name + "_shortcut_bn";
    }

    private void head(GraphBuilder g, String input) {
        int features = CHANNELS[CHANNELS.length - 1];
        double bound = 1.0 / Math.sqrt(features);
        g.addLayer("avgpool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), input);
        g.addLayer(OUTPUT, decayed(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT))
                .nIn(features).nOut(config.numClasses())
                .activation(Activation.SOFTMAX)
                .weightInit(new UniformDistribution(-bound, bound))
                .biasInit(0)
                .build(), "avgpool");
    }

    /**
     * Decoupled (AdamW-style) weight decay, w -= lr * wd * w, on a layer's weights only (biases and BN
     * exempt). Set per layer: set globally, M2.1 copies it into every layer's list twice (measured),
     * doubling the decay.
     */
    private <B extends org.deeplearning4j.nn.conf.layers.BaseLayer.Builder<B>> B decayed(B layer) {
        if (config.weightDecay() > 0) {
            layer.weightDecay(config.weightDecay(), true); // the builder sets it on itself
        }
        return layer;
    }

    /** A k x k convolution with Kaiming-normal (fan_out, ReLU) weights: std = sqrt(2 / (out*k*k)). */
    private ConvolutionLayer.Builder conv(int k, int stride, int pad, int out, boolean bias) {
        return decayed(new ConvolutionLayer.Builder(k, k))
                .stride(stride, stride)
                .padding(pad, pad)
                .nOut(out)
                .hasBias(bias)
                .biasInit(0)
                .activation(Activation.IDENTITY)
                .weightInit(new NormalDistribution(0, Math.sqrt(2.0 / (out * k * k))))
                .dataFormat(config.dataFormat());
    }

    private BatchNormalization batchNorm(int channels, Activation activation) {
        return new BatchNormalization.Builder()
                .nOut(channels)
                .eps(BN_EPS)
                .decay(BN_DECAY)
                .gamma(1.0).beta(0.0)
                .useLogStd(false)
                .activation(activation)
                .dataFormat(config.dataFormat())
                .build();
    }

    private static String blockName(int stage, int block) {
        return "s" + stage + "b" + block;
    }
}
