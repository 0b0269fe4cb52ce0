package io.github.sparkresnet.model;

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
 * Wraps DL4J's oneDNN convolution helper: oneDNN forward always; backprop by {@link SmallInputConvGemm}
 * on inputs of at most {@code maxGemmPixels} pixels where it applies, by oneDNN elsewhere.
 *
 * <p>Why: on ResNet34's stages 3 and 4 with 32x32 images (2x2 and 1x1 inputs), oneDNN 2.3 as bundled
 * with DL4J M2.1 backprops a 3x3 convolution slowly: with its generic GEMM fallback on 1x1 inputs
 * (about 40 ms a call at 512 channels), and with Winograd on 2x2 inputs on AVX-512 CPUs (about 20 ms
 * a call at 256 channels); there the convolution is a handful of dense matrix products.
 *
 * <p>{@code maxBuiltInPixels} keeps an older measured alternative reachable (DL4J's built-in im2col
 * backprop on inputs of at most that many pixels, {@code -Dsparkresnet.builtinBackpropMaxPixels});
 * returning null from {@link #backpropGradient} is DL4J's own signal to fall back to it.
 */
final class SmallInputConvHelper implements ConvolutionHelper {
    private final ConvolutionHelper oneDnn;
    private final long maxBuiltInPixels;
    private final long maxGemmPixels;

    SmallInputConvHelper(ConvolutionHelper oneDnn, long maxBuiltInPixels, long maxGemmPixels) {
        this.oneDnn = oneDnn;
        this.maxBuiltInPixels = maxBuiltInPixels;
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
        long pixels = format == CNN2DFormat.NCHW ? input.size(2) * input.size(3) : input.size(1) * input.size(2);
        // The plan needs the padding as given: modes that compute their own (Same, Causal) go to oneDNN.
        boolean explicitPadding = convolutionMode == ConvolutionMode.Truncate || convolutionMode == ConvolutionMode.Strict;
        if (pixels <= maxGemmPixels && format == CNN2DFormat.NCHW && input.dataType() == DataType.FLOAT
                && explicitPadding && dilation[0] == 1 && dilation[1] == 1) {
            SmallInputConvGemm gemm = SmallInputConvGemm.plan(input.size(2), input.size(3), delta.size(2), delta.size(3),
                    kernel, strides, pad);
            if (gemm != null) {
                return gemm.backprop(input, weights, bias, delta, biasGradView, weightGradView, workspaceMgr);
            }
        }
        if (pixels <= maxBuiltInPixels) {
            return null;
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
        return oneDnn.preOutput(input, weights, bias, kernel, strides, pad, mode, fwdAlgo, convolutionMode, dilation,
                format, workspaceMgr);
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
