package io.github.sparkresnet.model.helpers;

import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Wraps DL4J's oneDNN convolution helper: convolutions on inputs of at most {@code maxGemmPixels}
 * pixels compute both passes as {@link SmallInputConvGemm}'s dense products where it applies; the
 * rest goes to oneDNN.
 *
 * <p>Why: on ResNet34's stages 3 and 4 with 32x32 images (2x2 and 1x1 inputs), oneDNN 2.3 as bundled
 * with DL4J M2.1 computes a 3x3 convolution with padding zeros, layout reorders around every call, and
 * in backprop a generic GEMM fallback on 1x1 inputs (about 40 ms a call at 512 channels) or Winograd on
 * 2x2 inputs on AVX-512 CPUs (about 20 ms a call at 256 channels); there the convolution is one dense
 * matrix product per pass.
 */
final class SmallInputConvHelper implements ConvolutionHelper {
    private final ConvolutionHelper oneDnn;
    private final long maxGemmPixels;
    /** The last plan and the geometry it is for: a layer sees one input size in a run. */
    private SmallInputConvGemm plan;
    private long[] planShape;

    SmallInputConvHelper(ConvolutionHelper oneDnn, long maxGemmPixels) {
        this.oneDnn = oneDnn;
        this.maxGemmPixels = maxGemmPixels;
    }

    @Override
    public boolean checkSupported() {
        return oneDnn.checkSupported();
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta,
                                                     int[] kernel, int[] strides, int[] pad, INDArray biasGradView,
                                                     INDArray weightGradView, IActivation afn, AlgoMode mode,
                                                     BwdFilterAlgo bwdFilterAlgo, BwdDataAlgo bwdDataAlgo,
                                                     ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        SmallInputConvGemm gemm = gemmFor(input, delta.size(2), delta.size(3), kernel, strides, pad, convolutionMode,
                dilation, format);
        if (gemm != null) {
            return gemm.backprop(input, weights, bias, delta, biasGradView, weightGradView, workspaceMgr);
        }
        // DL4J hands helpers other than its own oneDNN one a dummy bias-gradient view when the layer has
        // no bias (a cuDNN convention); oneDNN must get none, as DL4J gives its own helper.
        INDArray biasGrad = bias == null ? null : biasGradView;
        return oneDnn.backpropGradient(input, weights, bias, delta, kernel, strides, pad, biasGrad, weightGradView,
                afn, mode, bwdFilterAlgo, bwdDataAlgo, convolutionMode, dilation, format, workspaceMgr);
    }

    @Override
    public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
                              AlgoMode mode, FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation,
                              CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (format == CNN2DFormat.NCHW) {
            // Truncate and Strict (the modes gemmFor accepts) both give floor((in + 2 pad - k) / stride) + 1.
            long outH = (input.size(2) + 2L * pad[0] - kernel[0]) / strides[0] + 1;
            long outW = (input.size(3) + 2L * pad[1] - kernel[1]) / strides[1] + 1;
            SmallInputConvGemm gemm = gemmFor(input, outH, outW, kernel, strides, pad, convolutionMode, dilation, format);
            if (gemm != null) {
                return gemm.forward(input, weights, bias, workspaceMgr);
            }
        }
        return oneDnn.preOutput(input, weights, bias, kernel, strides, pad, mode, fwdAlgo, convolutionMode, dilation,
                format, workspaceMgr);
    }

    /** The small-input plan for this call, or null when the shape or the settings need oneDNN. */
    private SmallInputConvGemm gemmFor(INDArray input, long outH, long outW, int[] kernel, int[] strides, int[] pad,
                                       ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format) {
        // The plan needs the padding as given: modes that compute their own (Same, Causal) go to oneDNN.
        boolean explicitPadding = convolutionMode == ConvolutionMode.Truncate || convolutionMode == ConvolutionMode.Strict;
        if (format != CNN2DFormat.NCHW || input.dataType() != DataType.FLOAT || !explicitPadding
                || dilation[0] != 1 || dilation[1] != 1 || input.size(2) * input.size(3) > maxGemmPixels) {
            return null;
        }
        long[] shape = {input.size(2), input.size(3), outH, outW, kernel[0], kernel[1], strides[0], strides[1], pad[0], pad[1]};
        if (!Arrays.equals(shape, planShape)) {
            plan = SmallInputConvGemm.plan(shape[0], shape[1], outH, outW, kernel, strides, pad);
            planShape = shape;
        }
        return plan;
    }

    @Override
    public INDArray activate(INDArray z, IActivation afn, boolean training) {
        return oneDnn.activate(z, afn, training);
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return oneDnn.helperMemoryUse();
    }
}
