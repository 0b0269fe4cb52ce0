package io.github.sparkresnet.model.helpers;

import static io.github.sparkresnet.model.helpers.FloatViews.contiguous;
import static io.github.sparkresnet.model.helpers.FloatViews.floats;

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
 * computes the minibatch statistics beforehand with two more ND4J reductions; together about 15% of a
 * training step. Here the forward pass reads a channel twice (mean, then variance around it) and writes
 * it once; the backward pass reads it twice and writes once. Sums are accumulated in double; the
 * element-wise passes run over heap copies, which the JIT vectorises.
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
        int n = (int) x.size(0);
        int channels = (int) x.size(1);
        int pixels = (int) (x.size(2) * x.size(3));
        int length = n * channels * pixels;
        Scratch scratch = SCRATCH.get().ensure(length);
        float[] in = scratch.a;
        float[] o = scratch.b;
        floats(contiguous(x)).get(in, 0, length);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, x.shape());
        lastForwardDelegated = false;
        ensureCaches(channels);
        double count = (double) n * pixels;
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int b = 0; b < n; b++) {
                sum += sum(in, (b * channels + c) * pixels, pixels);
            }
            double mu = sum / count;
            double squares = 0;
            for (int b = 0; b < n; b++) {
                squares += squaredDeviations(in, (b * channels + c) * pixels, pixels, mu);
            }
            double sigma2 = squares / count;
            meanCache.putScalar(c, mu);
            varCache.putScalar(c, sigma2);
            float m = (float) mu;
            float scale = (float) (gamma.getDouble(c) / Math.sqrt(sigma2 + eps));
            float shift = (float) beta.getDouble(c);
            for (int b = 0; b < n; b++) {
                int base = (b * channels + c) * pixels;
                for (int i = base; i < base + pixels; i++) {
                    o[i] = (in[i] - m) * scale + shift;
                }
            }
        }
        floats(out).put(o, 0, length);
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
        int n = (int) input.size(0);
        int channels = (int) input.size(1);
        int pixels = (int) (input.size(2) * input.size(3));
        int length = n * channels * pixels;
        Scratch scratch = SCRATCH.get().ensure(length);
        float[] x = scratch.a;
        float[] dy = scratch.b;
        float[] dx = scratch.c;
        floats(contiguous(input)).get(x, 0, length);
        floats(contiguous(epsilon)).get(dy, 0, length);
        INDArray gradAtInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape());
        double count = (double) n * pixels;
        for (int c = 0; c < channels; c++) {
            float m = meanCache.getFloat(c);
            double invStd = 1.0 / Math.sqrt(varCache.getDouble(c) + eps);
            double sumDy = 0;
            double sumDyXmu = 0;
            for (int b = 0; b < n; b++) {
                int base = (b * channels + c) * pixels;
                sumDy += sum(dy, base, pixels);
                sumDyXmu += dotWithDeviations(dy, x, base, pixels, m);
            }
            double sumDyXhat = sumDyXmu * invStd;
            dBetaView.putScalar(c, sumDy);
            dGammaView.putScalar(c, sumDyXhat);
            // dx = gamma / std * (dy - mean(dy) - xhat * mean(dy * xhat)), per element
            // dy * k + (x - mean) * a + b, with the per-channel constants folded in.
            double k = gamma.getDouble(c) * invStd;
            float fk = (float) k;
            float a = (float) (-k * invStd * sumDyXhat / count);
            float bias = (float) (-k * sumDy / count);
            for (int b = 0; b < n; b++) {
                int base = (b * channels + c) * pixels;
                for (int i = base; i < base + pixels; i++) {
                    dx[i] = dy[i] * fk + (x[i] - m) * a + bias;
                }
            }
        }
        floats(gradAtInput).put(dx, 0, length);
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

    // Sums over a channel's run, in double, four partial sums so that the additions overlap.

    private static double sum(float[] v, int from, int length) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = from;
        int end = from + length;
        for (; i + 3 < end; i += 4) {
            s0 += v[i];
            s1 += v[i + 1];
            s2 += v[i + 2];
            s3 += v[i + 3];
        }
        for (; i < end; i++) {
            s0 += v[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static double squaredDeviations(float[] v, int from, int length, double mean) {
        double s0 = 0;
        double s1 = 0;
        int i = from;
        int end = from + length;
        for (; i + 1 < end; i += 2) {
            double d0 = v[i] - mean;
            double d1 = v[i + 1] - mean;
            s0 += d0 * d0;
            s1 += d1 * d1;
        }
        for (; i < end; i++) {
            double d = v[i] - mean;
            s0 += d * d;
        }
        return s0 + s1;
    }

    private static double dotWithDeviations(float[] g, float[] v, int from, int length, float mean) {
        double s0 = 0;
        double s1 = 0;
        int i = from;
        int end = from + length;
        for (; i + 1 < end; i += 2) {
            s0 += (double) g[i] * (v[i] - mean);
            s1 += (double) g[i + 1] * (v[i + 1] - mean);
        }
        for (; i < end; i++) {
            s0 += (double) g[i] * (v[i] - mean);
        }
        return s0 + s1;
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

        Scratch ensure(int length) {
            if (a.length < length) {
                a = new float[length];
                b = new float[length];
                c = new float[length];
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
