package io.github.sparkresnet.model;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The backprop of a convolution whose input has so few pixels that every output pixel sees every
 * input pixel (a 3x3 kernel with padding 1 on 2x2 or 1x1 inputs: ResNet34's stages 3 and 4 on 32x32
 * images), as one small matrix product per (input pixel, output pixel) pair.
 *
 * <p>Why: each pair is connected by exactly one kernel tap, so with {@code X_q} the input at pixel q
 * ({@code [mb, cIn]}), {@code dY_p} the gradient at output pixel p and {@code W_t} tap t
 * ({@code [cOut, cIn]}): {@code dX_q = sum_p dY_p W_t(p,q)} and {@code dW_t = sum over t's pairs of
 * dY_p^T X_q}. No padding zeros are multiplied (im2col multiplies 9/4 of the work on 2x2 inputs, 9x
 * on 1x1) and no Winograd transforms run (oneDNN 2.3, as bundled with DL4J M2.1, picks Winograd for
 * these on AVX-512: about 20 ms a call at 256 channels). Measured in BENCHMARKS.md.
 *
 * <p>{@link #plan} says whether a shape qualifies; the caller checks NCHW, float and dilation 1.
 */
final class SmallInputConvGemm {
    /** One (input pixel q, output pixel p) pair and the kernel tap (row-major index) that connects them. */
    private record Tap(int q, int p, int tap) {
    }

    private final int inPixels;
    private final int outPixels;
    private final int kernelW;
    private final List<Tap> taps;
    /** The distinct kernel taps of {@link #taps}: the only weights read and gradients written. */
    private final int[] usedTaps;

    private SmallInputConvGemm(int inPixels, int outPixels, int kernelW, List<Tap> taps) {
        this.inPixels = inPixels;
        this.outPixels = outPixels;
        this.kernelW = kernelW;
        this.taps = taps;
        this.usedTaps = taps.stream().mapToInt(Tap::tap).distinct().sorted().toArray();
    }

    /**
     * The plan for a convolution from {@code inH x inW} to {@code outH x outW} pixels, or null when
     * some (input, output) pixel pair is out of the kernel's reach: then im2col or oneDNN suit better.
     */
    static SmallInputConvGemm plan(long inH, long inW, long outH, long outW, int[] kernel, int[] strides, int[] pad) {
        List<Tap> taps = new ArrayList<>();
        for (int u = 0; u < inH; u++) {
            for (int v = 0; v < inW; v++) {
                for (int i = 0; i < outH; i++) {
                    for (int j = 0; j < outW; j++) {
                        int a = u - i * strides[0] + pad[0];
                        int b = v - j * strides[1] + pad[1];
                        if (a < 0 || a >= kernel[0] || b < 0 || b >= kernel[1]) {
                            return null;
                        }
                        taps.add(new Tap((int) (u * inW + v), (int) (i * outW + j), a * kernel[1] + b));
                    }
                }
            }
        }
        return new SmallInputConvGemm((int) (inH * inW), (int) (outH * outW), kernel[1], taps);
    }

    /**
     * Backprop of {@code delta} (the gradient at the convolution's output, before its activation):
     * writes the weight (and bias) gradients into DL4J's views and returns them with the gradient at
     * the input, as DL4J's convolution helpers do.
     */
    Pair<Gradient, INDArray> backprop(INDArray input, INDArray weights, INDArray bias, INDArray delta,
                                      INDArray biasGradView, INDArray weightGradView, LayerWorkspaceMgr workspaceMgr) {
        long mb = input.size(0);
        long cIn = weights.size(1);
        long cOut = weights.size(0);
        int kernelTaps = (int) (weights.size(2) * weights.size(3));

        // Every operand contiguous: ND4J copies between strided views cost more than the products.
        INDArray x = pixelMajor(input, inPixels, workspaceMgr);
        INDArray dy = pixelMajor(delta, outPixels, workspaceMgr);
        INDArray tapWeights = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT, kernelTaps, cOut, cIn);
        INDArray tapGrads = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT, kernelTaps, cOut, cIn);
        for (int tap : usedTaps) {
            tapWeights.get(point(tap)).assign(weights.get(all(), all(), point(tap / kernelW), point(tap % kernelW)));
        }

        // dX_q = sum over p of dY_p W_tap(p,q); dW_tap = sum over its pairs of dY_p^T X_q.
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT, inPixels, mb, cIn);
        boolean[] tapStarted = new boolean[kernelTaps];
        boolean[] dxStarted = new boolean[inPixels];
        for (Tap t : taps) {
            Nd4j.gemm(dy.get(point(t.p)), tapWeights.get(point(t.tap)), dx.get(point(t.q)), false, false,
                    1.0, dxStarted[t.q] ? 1.0 : 0.0);
            Nd4j.gemm(dy.get(point(t.p)), x.get(point(t.q)), tapGrads.get(point(t.tap)), true, false,
                    1.0, tapStarted[t.tap] ? 1.0 : 0.0);
            dxStarted[t.q] = true;
            tapStarted[t.tap] = true;
        }
        INDArray gradAtInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape());
        gradAtInput.reshape('c', mb, cIn, inPixels).assign(dx.permute(1, 2, 0));
        weightGradView.assign(0);
        for (int tap : usedTaps) {
            weightGradView.get(all(), all(), point(tap / kernelW), point(tap % kernelW)).assign(tapGrads.get(point(tap)));
        }

        Gradient gradient = new DefaultGradient();
        if (bias != null) {
            biasGradView.assign(delta.sum(0, 2, 3).reshape(biasGradView.shape()));
            gradient.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
        }
        gradient.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView);
        return new Pair<>(gradient, gradAtInput);
    }

    /** {@code [mb, channels, h, w]} as {@code [pixels, mb, channels]}: each pixel's values a contiguous matrix. */
    private static INDArray pixelMajor(INDArray nchw, int pixels, LayerWorkspaceMgr workspaceMgr) {
        long mb = nchw.size(0);
        long channels = nchw.size(1);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT, pixels, mb, channels);
        out.assign(nchw.reshape('c', mb, channels, pixels).permute(2, 0, 1));
        return out;
    }
}
