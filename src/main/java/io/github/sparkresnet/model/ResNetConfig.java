package io.github.sparkresnet.model;

import java.io.Serializable;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.WorkspaceMode;

/**
 * What shapes a {@link ResNet34}: classes and input size, the reference's choices, and the
 * execution knobs measured in BENCHMARKS.md.
 *
 * @param numClasses       output classes (2 for a class pair)
 * @param height           input height in pixels
 * @param width            input width in pixels
 * @param channels         input channels
 * @param biasedBlockConvs give the BasicBlocks' 3x3 convs a bias, as the PyTorch reference code does
 *                         (torchvision's ResNet34 has none): +7,552 parameters
 * @param learningRate     Adam's learning rate
 * @param seed             weight-initialization seed
 * @param dataFormat       activation layout inside the network (the input is always NCHW)
 * @param workspaceMode    ND4J workspace use for training and inference
 * @param cacheMode        DL4J's cache mode
 * @param stem             torchvision's ImageNet stem or the CIFAR one
 * @param weightDecay      decoupled weight decay of conv and dense weights, scaled by the learning rate (0 = none)
 */
public record ResNetConfig(int numClasses, int height, int width, int channels, boolean biasedBlockConvs,
                           double learningRate, long seed, CNN2DFormat dataFormat, WorkspaceMode workspaceMode,
                           CacheMode cacheMode, Stem stem, double weightDecay) implements Serializable {

    /**
     * {@code IMAGENET}: torchvision's 7x7 stride-2 conv and 3x3 stride-2 max-pool (32x32 input -> 8x8
     * into stage 1). {@code CIFAR}: one 3x3 stride-1 conv, no pool (32x32 into stage 1), as ResNets
     * for CIFAR are usually built: 16x the compute per image. {@code POOLED}: the CIFAR stem's conv, then
     * the ImageNet stem's max-pool (16x16 into stage 1): between the two, 4x the ImageNet stem's
     * activations.
     */
    public enum Stem { IMAGENET, CIFAR, POOLED }

    public ResNetConfig {
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be at least 2, was " + numClasses);
        }
        if (height < 32 || width < 32) {
            throw new IllegalArgumentException("input must be at least 32x32 (five stride-2 steps), was "
                    + height + "x" + width);
        }
    }

    /** Two classes of 32x32 RGB, torchvision's bias-free convs, Adam 1e-3, seed 42. */
    public static ResNetConfig cifarPair() {
        return new ResNetConfig(2, 32, 32, 3, false, 1e-3, 42, CNN2DFormat.NCHW, WorkspaceMode.ENABLED,
                CacheMode.HOST, Stem.IMAGENET, 0);
    }

    public ResNetConfig withClasses(int n) {
        return new ResNetConfig(n, height, width, channels, biasedBlockConvs, learningRate, seed, dataFormat,
                workspaceMode, cacheMode, stem, weightDecay);
    }

    public ResNetConfig withBiasedBlockConvs(boolean b) {
        return new ResNetConfig(numClasses, height, width, channels, b, learningRate, seed, dataFormat,
                workspaceMode, cacheMode, stem, weightDecay);
    }

    public ResNetConfig withLearningRate(double lr) {
        return new ResNetConfig(numClasses, height, width, channels, biasedBlockConvs, lr, seed, dataFormat,
                workspaceMode, cacheMode, stem, weightDecay);
    }

    public ResNetConfig withSeed(long s) {
        return new ResNetConfig(numClasses, height, width, channels, biasedBlockConvs, learningRate, s, dataFormat,
                workspaceMode, cacheMode, stem, weightDecay);
    }

    public ResNetConfig withInputSize(int h, int w) {
        return new ResNetConfig(numClasses, h, w, channels, biasedBlockConvs, learningRate, seed, dataFormat,
                workspaceMode, cacheMode, stem, weightDecay);
    }

    public ResNetConfig withStem(Stem st) {
        return new ResNetConfig(numClasses, height, width, channels, biasedBlockConvs, learningRate, seed, dataFormat,
                workspaceMode, cacheMode, st, weightDecay);
    }

    public ResNetConfig withWeightDecay(double wd) {
        return new ResNetConfig(numClasses, height, width, channels, biasedBlockConvs, learningRate, seed, dataFormat,
                workspaceMode, cacheMode, stem, wd);
    }

    public ResNetConfig withExecution(CNN2DFormat format, WorkspaceMode workspaces, CacheMode cache) {
        return new ResNetConfig(numClasses, height, width, channels, biasedBlockConvs, learningRate, seed, format,
                workspaces, cache, stem, weightDecay);
    }
}
