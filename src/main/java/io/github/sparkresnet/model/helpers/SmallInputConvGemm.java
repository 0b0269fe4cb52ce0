package io.github.sparkresnet.model.helpers;

import static io.github.sparkresnet.model.helpers.FloatViews.contiguous;
import static io.github.sparkresnet.model.helpers.FloatViews.floats;

import java.util.Arrays;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A convolution whose input has so few pixels that every output pixel sees every input pixel (a 3x3
 * kernel with padding 1 on 2x2 or 1x1 inputs: ResNet34's stages 3 and 4 on 32x32 images), computed
 * as one dense matrix product per pass on the NCHW activations as they lie in memory.
 *
 * <p>Why: each (input pixel q, output pixel p) pair is connected by exactly one kernel tap t(p,q). So
 * with the weights unrolled to {@code U[(o,p), (i,q)] = W[o, i, t(p,q)]} (rows: output channel, then
 * output pixel; columns: input channel, then input pixel, which is how one image's NCHW activations
 * are laid out), and {@code X}, {@code dY} the activations and output gradients as [mb, channels x pixels]:
 * <ul>
 *   <li>forward {@code Y = X U^T},</li>
 *   <li>input gradient {@code dX = dY U},</li>
 *   <li>weight gradient: {@code G = dY^T X}, then {@code dW[o, i, t] = sum of G[(o,p), (i,q)]} over t's pairs.</li>
 * </ul>
 * No padding zeros are multiplied (a convolution kernel multiplies 9/4 of the work on 2x2 inputs, 9x on
 * 1x1), no activation changes layout (oneDNN 2.3, as bundled with DL4J M2.1, reorders NCHW to NHWC and
 * back around every call), and no Winograd transforms run (it picks Winograd for these on AVX-512).
 * Only the weights are rearranged, in Java loops over heap copies. Measured in BENCHMARKS.md.
 *
 * <p>{@link #plan} says whether a shape qualifies; the caller checks NCHW, float and dilation 1.
 */
final class SmallInputConvGemm {
    private final int inPixels;
    private final long outH;
    private final long outW;
    private final int outPixels;
    private final int kernelTaps;
    /** {@code tapOf[p * inPixels + q]}: the kernel tap (row-major index) joining output pixel p to input pixel q. */
    private final int[] tapOf;
    /** The kernel taps some pixel pair uses, ascending: the only weights the unrolled matrix holds. */
    private final int[] usedTaps;
    /**
     * The unrolled weights of the last call and the used taps' weights they were made from: the
     * backprop of a training step and every inference batch between two updates reuse them. Outside
     * workspaces, as they outlive a pass. On ResNet34 with 32x32 images they take about 51 MB off-heap
     * and 32 MB of heap per network.
     */
    private INDArray unrolled;
    private float[] unrolledFrom;

    private SmallInputConvGemm(int inPixels, long outH, long outW, int kernelTaps, int[] tapOf) {
        this.inPixels = inPixels;
        this.outH = outH;
        this.outW = outW;
        this.outPixels = (int) (outH * outW);
        this.kernelTaps = kernelTaps;
        this.usedTaps = Arrays.stream(tapOf).distinct().sorted().toArray();
        this.tapOf = tapOf;
    }

    /**
     * The plan for a convolution from {@code inH x inW} to {@code outH x outW} pixels, or null when
     * some (input, output) pixel pair is out of the kernel's reach: then the unrolled weights would
     * hold zeros, and oneDNN suits better.
     */
    static SmallInputConvGemm plan(long inH, long inW, long outH, long outW, int[] kernel, int[] strides, int[] pad) {
        int in = (int) (inH * inW);
        int out = (int) (outH * outW);
        int[] tapOf = new int[in * out];
        for (int i = 0; i < outH; i++) {
            for (int j = 0; j < outW; j++) {
                for (int u = 0; u < inH; u++) {
                    for (int v = 0; v < inW; v++) {
                        int a = u - i * strides[0] + pad[0];
                        int b = v - j * strides[1] + pad[1];
                        if (a < 0 || a >= kernel[0] || b < 0 || b >= kernel[1]) {
                            return null;
                        }
                        tapOf[(int) ((i * outW + j) * in + u * inW + v)] = a * kernel[1] + b;
                    }
                }
            }
        }
        return new SmallInputConvGemm(in, outH, outW, kernel[0] * kernel[1], tapOf);
    }

    /** The convolution's output before its activation, NCHW, as DL4J's convolution helpers return it. */
    INDArray forward(INDArray input, INDArray weights, INDArray bias, LayerWorkspaceMgr workspaceMgr) {
        long mb = input.size(0);
        int cIn = (int) weights.size(1);
        int cOut = (int) weights.size(0);
        INDArray unrolled = unrolled(weights, cOut, cIn);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, mb, cOut, outH, outW);
        Nd4j.gemm(rows(input, mb), unrolled, out.reshape('c', mb, (long) cOut * outPixels), false, true, 1.0, 0.0);
        if (bias != null) {
            Broadcast.add(out, bias.reshape(cOut), out, 1);
        }
        return out;
    }

    /**
     * Backprop of {@code delta} (the gradient at the convolution's output, before its activation):
     * writes the weight (and bias) gradients into DL4J's views and returns them with the gradient at
     * the input, as DL4J's convolution helpers do.
     */
    Pair<Gradient, INDArray> backprop(INDArray input, INDArray weights, INDArray bias, INDArray delta,
                                      INDArray biasGradView, INDArray weightGradView, LayerWorkspaceMgr workspaceMgr) {
        long mb = input.size(0);
        int cIn = (int) weights.size(1);
        int cOut = (int) weights.size(0);
        INDArray x = rows(input, mb);
        INDArray dy = rows(delta, mb);

        INDArray unrolled = unrolled(weights, cOut, cIn);
        INDArray gradAtInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape());
        Nd4j.gemm(dy, unrolled, gradAtInput.reshape('c', mb, (long) cIn * inPixels), false, false, 1.0, 0.0);

        INDArray pairGrads = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT,
                (long) cOut * outPixels, (long) cIn * inPixels);
        Nd4j.gemm(dy, x, pairGrads, true, false, 1.0, 0.0);
        foldIntoTaps(pairGrads, weightGradView, cOut, cIn);

        Gradient gradient = new DefaultGradient();
        if (bias != null) {
            biasGradView.assign(delta.sum(0, 2, 3).reshape(biasGradView.shape()));
            gradient.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
        }
        gradient.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView);
        return new Pair<>(gradient, gradAtInput);
    }

    /** NCHW activations as the matrix [mb, channels x pixels], without a copy when they are contiguous. */
    private static INDArray rows(INDArray nchw, long mb) {
        return contiguous(nchw).reshape('c', mb, nchw.length() / mb);
    }

    /**
     * {@code U[(o,p), (i,q)] = W[o, i, t(p,q)]}, built in a heap copy, or the last call's when the used
     * taps' weights are bit for bit the same (all of them compared: an update may change any weight).
     */
    private INDArray unrolled(INDArray weights, int cOut, int cIn) {
        int weightLength = cOut * cIn * kernelTaps;
        int length = cOut * outPixels * cIn * inPixels;
        Scratch scratch = SCRATCH.get().ensure(weightLength, length);
        float[] w = scratch.weights;
        float[] u = scratch.unrolled;
        floats(contiguous(weights)).get(w, 0, weightLength);
        if (unrolled != null && unrolled.length() == length && sameUsedWeights(w, weightLength)) {
            return unrolled;
        }
        // One (output pixel, input pixel) pair at a time: a strided walk over one kernel tap of the weights.
        int rowLength = cIn * inPixels;
        for (int o = 0; o < cOut; o++) {
            for (int p = 0; p < outPixels; p++) {
                int row = (o * outPixels + p) * rowLength;
                for (int q = 0; q < inPixels; q++) {
                    int from = o * cIn * kernelTaps + tapOf[p * inPixels + q];
                    int to = row + q;
                    for (int i = 0; i < cIn; i++) {
                        u[to + i * inPixels] = w[from + i * kernelTaps];
                    }
                }
            }
        }
        if (unrolled == null || unrolled.length() != length) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                unrolled = Nd4j.createUninitialized(DataType.FLOAT, (long) cOut * outPixels, (long) cIn * inPixels);
            }
            unrolledFrom = new float[weightLength / kernelTaps * usedTaps.length];
        }
        floats(unrolled).put(u, 0, length);
        int k = 0;
        for (int base = 0; base < weightLength; base += kernelTaps) {
            for (int t : usedTaps) {
                unrolledFrom[k++] = w[base + t];
            }
        }
        return unrolled;
    }

    private boolean sameUsedWeights(float[] w, int weightLength) {
        if (usedTaps.length == kernelTaps) {
            return Arrays.equals(w, 0, weightLength, unrolledFrom, 0, weightLength);
        }
        int k = 0;
        for (int base = 0; base < weightLength; base += kernelTaps) {
            for (int t : usedTaps) {
                if (Float.floatToRawIntBits(w[base + t]) != Float.floatToRawIntBits(unrolledFrom[k++])) {
                    return false;
                }
            }
        }
        return true;
    }

    /** {@code dW[o, i, t] = sum of G[(o,p), (i,q)]} over the pairs t joins; taps no pair uses get 0. */
    private void foldIntoTaps(INDArray pairGrads, INDArray weightGradView, int cOut, int cIn) {
        int length = cOut * outPixels * cIn * inPixels;
        Scratch scratch = SCRATCH.get().ensure(cOut * cIn * kernelTaps, length);
        float[] g = scratch.unrolled;
        float[] w = scratch.weights;
        floats(pairGrads).get(g, 0, length);
        Arrays.fill(w, 0, cOut * cIn * kernelTaps, 0f);
        int rowLength = cIn * inPixels;
        for (int o = 0; o < cOut; o++) {
            for (int p = 0; p < outPixels; p++) {
                int row = (o * outPixels + p) * rowLength;
                for (int q = 0; q < inPixels; q++) {
                    int to = o * cIn * kernelTaps + tapOf[p * inPixels + q];
                    int from = row + q;
                    for (int i = 0; i < cIn; i++) {
                        w[to + i * kernelTaps] += g[from + i * inPixels];
                    }
                }
            }
        }
        INDArray target = contiguous(weightGradView);
        floats(target).put(w, 0, cOut * cIn * kernelTaps);
        if (target != weightGradView) {
            weightGradView.assign(target);
        }
    }

    /** Per-thread heap arrays for the weights and their unrolled form, grown to the largest layer seen. */
    private static final class Scratch {
        float[] weights = new float[0];
        float[] unrolled = new float[0];

        Scratch ensure(int weightLength, int unrolledLength) {
            if (weights.length < weightLength) {
                weights = new float[weightLength];
            }
            if (unrolled.length < unrolledLength) {
                unrolled = new float[unrolledLength];
            }
            return this;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
}
