package io.github.sparkresnet.model.helpers;

import java.nio.FloatBuffer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam's update of float arrays computed in Java, bit for bit what DL4J's native {@code adam_updater}
 * op computes, in about half its time on one thread.
 *
 * <p>Why: every step updates all 21.3 M parameters of ResNet34; the native op takes ~79 ms of a
 * ~540 ms step on one core (AVX-512), because its loop is not vectorised (on a block's views, whose
 * orders differ, it takes its element-by-element path). Here the gradient and both moments are
 * copied in chunks that stay in the L1 cache to heap arrays, updated in a loop the JIT vectorises
 * (fused multiply-adds, square roots and divisions on whole registers), and copied back: the same
 * memory traffic as the native op, ~42 ms.
 * Measured in BENCHMARKS.md ("Adam's update in Java").
 *
 * <p>The arithmetic is the native op's, operation for operation in float: its step size
 * {@code lr * sqrt(1 - beta2^t) / (1 - beta1^t)} (the division in double), each moment a fused
 * multiply-add ({@code beta * moment + (gradient-term)}, as the library's compiler contracts it), and
 * {@code m * step / (sqrt(v) + epsilon)}. {@code JavaAdamUpdaterTest} compares the two bit for bit
 * over thousands of iterations and learning rates; arrays this class does not handle (not float, not
 * contiguous) go to the native op.
 */
public final class JavaAdamUpdater extends AdamUpdater {
    /** Whether {@link #install} replaces DL4J's Adam ({@code -Dsparkresnet.javaAdam=false} for comparisons). */
    public static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("sparkresnet.javaAdam", "true"));
    /** Floats per chunk: three chunks of the arrays (gradient, m, v) fit the L1 cache with room to spare. */
    private static final int CHUNK = 2048;
    /** The powers of the last step (see {@link #powers}); replicas on other threads may replace them. */
    private static volatile Powers lastPowers;

    private JavaAdamUpdater(AdamUpdater nativeUpdater) {
        super(nativeUpdater.getConfig());
        setM(nativeUpdater.getM());
        setV(nativeUpdater.getV());
        setGradientReshapeOrder(nativeUpdater.getGradientReshapeOrder());
    }

    /**
     * Gives every Adam block of {@code net}'s updater this class instead of DL4J's, keeping its state
     * views; a network whose updater does not exist yet (never fitted) is left as it is. Idempotent;
     * returns how many blocks it changed.
     */
    public static int install(ComputationGraph net) {
        ComputationGraphUpdater updater = ENABLED ? net.getUpdater(false) : null;
        if (updater == null) {
            return 0;
        }
        int changed = 0;
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            if (block.getGradientUpdater() == null) {
                block.init(); // what the block's first update would do
            }
            changed += replace(block);
        }
        return changed;
    }

    /** Gives {@code block} this class if it has DL4J's Adam; returns 1 if it did, else 0. */
    static int replace(UpdaterBlock block) {
        if (block.getGradientUpdater() == null || block.getGradientUpdater().getClass() != AdamUpdater.class) {
            return 0;
        }
        block.setGradientUpdater(new JavaAdamUpdater((AdamUpdater) block.getGradientUpdater()));
        return 1;
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        INDArray m = getM();
        INDArray v = getV();
        if (!handles(gradient, m, v)) {
            super.applyUpdater(gradient, iteration, epoch);
            return;
        }
        Adam config = getConfig();
        float lr = (float) config.getLearningRate(iteration, epoch);
        float beta1 = (float) config.getBeta1();
        float beta2 = (float) config.getBeta2();
        float epsilon = (float) config.getEpsilon();
        if (epsilon == 0f) {
            epsilon = 1e-7f;
        }
        Powers powers = powers(beta1, beta2, iteration + 1f);
        float beta1t = powers.beta1t();
        float beta2t = powers.beta2t();
        float step = (float) ((lr * (float) Math.sqrt((float) (1.0 - beta2t))) / (1.0 - beta1t));
        if (Float.isNaN(step) || step == 0f || Float.isInfinite(step)) {
            step = epsilon;
        }
        update(FloatViews.floats(gradient), FloatViews.floats(m), FloatViews.floats(v), (int) gradient.length(),
                beta1, beta2, step, epsilon);
    }

    /**
     * {@code beta1^t} and {@code beta2^t} as the native op computes them: C's float {@code powf}, which
     * differs from Java's double {@code Math.pow} rounded to float in the last bit for some {@code t},
     * so ND4J's own scalar power computes them. The last pair is kept: every block of a step asks for
     * the same one.
     */
    private static Powers powers(float beta1, float beta2, float t) {
        Powers last = lastPowers;
        if (last != null && last.beta1 == beta1 && last.beta2 == beta2 && last.t == t) {
            return last;
        }
        Powers powers = new Powers(beta1, beta2, t, nativePow(beta1, t), nativePow(beta2, t));
        lastPowers = powers;
        return powers;
    }

    private static float nativePow(float base, float exponent) {
        return Transforms.pow(Nd4j.scalar(DataType.FLOAT, base), exponent, false).getFloat(0);
    }

    private record Powers(float beta1, float beta2, float t, float beta1t, float beta2t) {
    }

    /**
     * Whether the update of {@code gradient} with moments {@code m} and {@code v} runs here: float
     * arrays of one length, each one contiguous run in memory with the same element order. DL4J gives
     * an updater block rank-1 views (the gradient's in 'f' order, the moments' in 'c' order, the same
     * run either way).
     */
    static boolean handles(INDArray gradient, INDArray m, INDArray v) {
        long n = gradient.length();
        for (INDArray a : new INDArray[] {gradient, m, v}) {
            if (a == null || a.dataType() != DataType.FLOAT || a.length() != n || a.elementWiseStride() != 1
                    || !(a.rank() == 1 || a.ordering() == gradient.ordering() && Shape.hasDefaultStridesForShape(a))) {
                return false;
            }
        }
        return n <= Integer.MAX_VALUE;
    }

    private static void update(FloatBuffer gradient, FloatBuffer m, FloatBuffer v, int n,
                               float beta1, float beta2, float step, float epsilon) {
        float[] g = new float[CHUNK];
        float[] mc = new float[CHUNK];
        float[] vc = new float[CHUNK];
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        for (int from = 0; from < n; from += CHUNK) {
            int len = Math.min(CHUNK, n - from);
            gradient.get(from, g, 0, len);
            m.get(from, mc, 0, len);
            v.get(from, vc, 0, len);
            for (int i = 0; i < len; i++) {
                float gi = g[i];
                float mi = Math.fma(beta1, mc[i], gi * oneMinusBeta1);
                float vi = Math.fma(beta2, vc[i], gi * gi * oneMinusBeta2);
                mc[i] = mi;
                vc[i] = vi;
                g[i] = (mi * step) / ((float) Math.sqrt(vi) + epsilon);
            }
            gradient.put(from, g, 0, len);
            m.put(from, mc, 0, len);
            v.put(from, vc, 0, len);
        }
    }
}
