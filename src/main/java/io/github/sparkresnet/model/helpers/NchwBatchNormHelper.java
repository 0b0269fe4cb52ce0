package io.github.sparkresnet.model.helpers;

import static io.github.sparkresnet.model.helpers.FloatViews.contiguous;
import static io.github.sparkresnet.model.helpers.FloatViews.floats;

import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch normalization of float NCHW activations in training, in plain loops, one channel at a time,
 * on the calling thread; inference and anything else go to the wrapped helper (DL4J's oneDNN one).
 *
 * <p>Why: in NCHW a channel's values are {@code N} runs of {@code H*W} contiguous floats, and on
 * ResNet34 with 32x32 images {@code H*W} is 256 down to 1. oneDNN 2.3 (as bundled with DL4J M2.1)
 * has only its generic kernel for that layout, vectorised along those short runs, and DL4J's helper
 * computes the minibatch statistics beforehand with two more ND4J reductions. Here every pass walks
 * the activations image by image in memory order: the minibatch sums go into one float per (channel,
 * pixel), an element-wise addition the JIT vectorises, and only those image-sized partial sums are
 * added up per channel, in double. The forward pass reads the activations twice (mean, then variance
 * around it) and writes them once; the backward pass reads them twice and writes once, over heap copies.
 *
 * <p>Semantics are DL4J's: biased minibatch variance; the minibatch mean and variance kept for the
 * layer, which turns them into its running-statistics update after the backward pass. Compared with
 * DL4J's built-in path in {@code NchwBatchNormHelperTest}; measured in BENCHMARKS.md.
 */
final class NchwBatchNormHelper implements BatchNormalizationHelper {
    private final BatchNormalizationHelper fallback;
    private INDArray meanCache;
    private INDArray varCache;
    /** Whether the last training forward pass went to {@link #fallback}: its backward pass must too. */
    private boolean lastForwardDelegated;

    NchwBatchNormHelper(BatchNormalizationHelper fallback) {
        this.fallback = fallback;
    }

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return fallback.checkSupported(eps, fixedGammaBeta);
    }

    @Override
    public boolean checkSupported() {
        return fallback.checkSupported();
    }

    private static boolean handles(INDArray x, INDArray gamma, CNN2DFormat format) {
        return x.rank() == 4 && format == CNN2DFormat.NCHW && x.dataType() == DataType.FLOAT && gamma != null
                && x.length() < Integer.MAX_VALUE;
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta, INDArray mean,
                              INDArray var, double decay, double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        // Inference stays with oneDNN: one pass with given statistics, which its kernel runs on every
        // core ND4J has (the driver's evaluation), where these loops use one.
        if (!training || !handles(x, gamma, format)) {
            if (training) {
                lastForwardDelegated = true;
            }
            return fallback.preOutput(x, training, shape, gamma, beta, mean, var, decay, eps, format, workspaceMgr);
        }
        Layout l = Layout.of(x);
        Scratch scratch = SCRATCH.get().ensure(l);
        float[] in = scratch.a;
        float[] o = scratch.b;
        floats(contiguous(x)).get(in, 0, l.length());
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, x.shape());
        lastForwardDelegated = false;
        ensureCaches(l.channels());
        float[] sums = scratch.sums;
        float[] pixelMean = scratch.perPixelA;
        float[] scale = scratch.perPixelB;
        float[] shift = scratch.perPixelC;
        addImages(in, l, sums);
        for (int c = 0; c < l.channels(); c++) {
            l.spread(pixelMean, c, (float) (l.channelSum(sums, c) / l.count()));
        }
        addSquaredDeviations(in, pixelMean, l, sums);
        for (int c = 0; c < l.channels(); c++) {
            double sigma2 = l.channelSum(sums, c) / l.count();
            float m = pixelMean[c * l.pixels()];
            meanCache.putScalar(c, m);
            varCache.putScalar(c, sigma2);
            l.spread(scale, c, (float) (gamma.getDouble(c) / Math.sqrt(sigma2 + eps)));
            l.spread(shift, c, beta.getFloat(c));
        }
        int image = l.image();
        for (int b = 0; b < l.n(); b++) {
            int base = b * image;
            for (int k = 0; k < image; k++) {
                o[base + k] = (in[base + k] - pixelMean[k]) * scale[k] + shift[k];
            }
        }
        floats(out).put(o, 0, l.length());
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (lastForwardDelegated || !handles(input, gamma, format) || meanCache == null) {
            return fallback.backpropGradient(input, epsilon, shape, gamma, beta, dGammaView, dBetaView, eps, format,
                    workspaceMgr);
        }
        Layout l = Layout.of(input);
        Scratch scratch = SCRATCH.get().ensure(l);
        float[] x = scratch.a;
        float[] dy = scratch.b;
        float[] dx = scratch.c;
        floats(contiguous(input)).get(x, 0, l.length());
        floats(contiguous(epsilon)).get(dy, 0, l.length());
        INDArray gradAtInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape());
        float[] pixelMean = scratch.perPixelA;
        float[] dySums = scratch.sums;
        float[] dyDevSums = scratch.sums2;
        for (int c = 0; c < l.channels(); c++) {
            l.spread(pixelMean, c, meanCache.getFloat(c));
        }
        addImagesAndProducts(dy, x, pixelMean, l, dySums, dyDevSums);
        // dx = gamma / std * (dy - mean(dy) - xhat * mean(dy * xhat)), per element:
        // dy * k + (x - mean) * a + bias, with the per-channel constants folded in.
        float[] k = scratch.perPixelB;
        float[] a = scratch.perPixelC;
        float[] bias = scratch.perPixelD;
        for (int c = 0; c < l.channels(); c++) {
            double invStd = 1.0 / Math.sqrt(varCache.getDouble(c) + eps);
            double sumDy = l.channelSum(dySums, c);
            double sumDyXhat = l.channelSum(dyDevSums, c) * invStd;
            dBetaView.putScalar(c, sumDy);
            dGammaView.putScalar(c, sumDyXhat);
            double kc = gamma.getDouble(c) * invStd;
            l.spread(k, c, (float) kc);
            l.spread(a, c, (float) (-kc * invStd * sumDyXhat / l.count()));
            l.spread(bias, c, (float) (-kc * sumDy / l.count()));
        }
        int image = l.image();
        for (int b = 0; b < l.n(); b++) {
            int base = b * image;
            for (int j = 0; j < image; j++) {
                dx[base + j] = dy[base + j] * k[j] + (x[base + j] - pixelMean[j]) * a[j] + bias[j];
            }
        }
        floats(gradAtInput).put(dx, 0, l.length());
        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(gradient, gradAtInput);
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return lastForwardDelegated ? fallback.getMeanCache(dataType) : meanCache;
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return lastForwardDelegated ? fallback.getVarCache(dataType) : varCache;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return fallback.helperMemoryUse();
    }

    // The minibatch sums are taken image by image in memory order into one float per (channel, pixel):
    // element-wise additions, which the JIT vectorises (a running sum per channel is a chain of
    // dependent scalar additions it cannot). Each float then holds a sum over the minibatch's images
    // only; the channel totals over pixels are summed in double.

    /** {@code sums[k] = sum over images b of v[b * image + k]}. */
    private static void addImages(float[] v, Layout l, float[] sums) {
        int n = l.n();
        int image = l.image();
        System.arraycopy(v, 0, sums, 0, image);
        for (int b = 1; b < n; b++) {
            int base = b * image;
            for (int k = 0; k < image; k++) {
                sums[k] += v[base + k];
            }
        }
    }

    /** {@code sums[k] = sum over images b of (v[b * image + k] - mean[k])^2}. */
    private static void addSquaredDeviations(float[] v, float[] mean, Layout l, float[] sums) {
        int n = l.n();
        int image = l.image();
        Arrays.fill(sums, 0, image, 0f);
        for (int b = 0; b < n; b++) {
            int base = b * image;
            for (int k = 0; k < image; k++) {
                float d = v[base + k] - mean[k];
                sums[k] += d * d;
            }
        }
    }

    /** The sums of {@code g} and of {@code g * (v - mean)} over images, per (channel, pixel). */
    private static void addImagesAndProducts(float[] g, float[] v, float[] mean, Layout l, float[] gSums,
                                             float[] productSums) {
        int n = l.n();
        int image = l.image();
        Arrays.fill(gSums, 0, image, 0f);
        Arrays.fill(productSums, 0, image, 0f);
        for (int b = 0; b < n; b++) {
            int base = b * image;
            for (int k = 0; k < image; k++) {
                float gk = g[base + k];
                gSums[k] += gk;
                productSums[k] += gk * (v[base + k] - mean[k]);
            }
        }
    }

    /** The shape of a minibatch of NCHW activations, as the loops index it: image after image, channel after channel. */
    private record Layout(int n, int channels, int pixels) {
        static Layout of(INDArray x) {
            return new Layout((int) x.size(0), (int) x.size(1), (int) (x.size(2) * x.size(3)));
        }

        /** Floats per image. */
        int image() {
            return channels * pixels;
        }

        int length() {
            return n * image();
        }

        /** Values per channel in the minibatch: what its sums are divided by. */
        double count() {
            return (double) n * pixels;
        }

        /** Channel {@code c}'s per-pixel sums added up in double. */
        double channelSum(float[] perPixel, int c) {
            double s = 0;
            for (int i = c * pixels; i < (c + 1) * pixels; i++) {
                s += perPixel[i];
            }
            return s;
        }

        /** Sets channel {@code c}'s pixels of a per-pixel array to one per-channel value. */
        void spread(float[] perPixel, int c, float value) {
            Arrays.fill(perPixel, c * pixels, (c + 1) * pixels, value);
        }
    }

    /**
     * Per-thread heap copies of a layer's activations: the loops run over Java arrays, which the JIT
     * vectorises, and the copies in and out are bulk memory copies. Grown to the largest layer seen
     * (ResNet34's stem on 32x32 images: 1M floats per array at batch 64).
     */
    private static final class Scratch {
        float[] a = new float[0];
        float[] b = new float[0];
        float[] c = new float[0];
        /** One image's worth (channels x pixels): the minibatch sums and per-channel constants spread per pixel. */
        float[] sums = new float[0];
        float[] sums2 = new float[0];
        float[] perPixelA = new float[0];
        float[] perPixelB = new float[0];
        float[] perPixelC = new float[0];
        float[] perPixelD = new float[0];

        Scratch ensure(Layout l) {
            int length = l.length();
            int image = l.image();
            if (a.length < length) {
                a = new float[length];
                b = new float[length];
                c = new float[length];
            }
            if (sums.length < image) {
                sums = new float[image];
                sums2 = new float[image];
                perPixelA = new float[image];
                perPixelB = new float[image];
                perPixelC = new float[image];
                perPixelD = new float[image];
            }
            return this;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private void ensureCaches(int channels) {
        if (meanCache == null || meanCache.length() != channels) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                meanCache = Nd4j.createUninitialized(DataType.FLOAT, channels);
                varCache = Nd4j.createUninitialized(DataType.FLOAT, channels);
            }
        }
    }
}
