package io.github.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class ResNet34Test {

    /** BN running mean and variance: DL4J keeps them in the params array, torch in buffers. */
    private static long batchNormStatistics(ComputationGraph net) {
        long n = 0;
        for (Layer l : net.getLayers()) {
            if (l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
                    if (!p.getKey().equals("gamma") && !p.getKey().equals("beta")) {
                        n += p.getValue().length();
                    }
                }
            }
        }
        return n;
    }

    @Test
    void parameterCountMatchesTorchvisionResNet34WithTwoClasses() {
        ComputationGraph net = ResNet34.build(ResNetConfig.cifarPair());
        long stats = batchNormStatistics(net);
        assertEquals(17_024, stats, "BN running mean+var: 2 x 8,512 channels");
        assertEquals(21_285_698, net.numParams() - stats, "trainable parameters (torchvision resnet34, 2 classes)");
        assertEquals(21_302_722, net.numParams());
    }

    @Test
    void biasedBlockConvsAddTheReferenceCodesBiases() {
        ComputationGraph net = ResNet34.build(ResNetConfig.cifarPair().withBiasedBlockConvs(true));
        assertEquals(21_293_250, net.numParams() - batchNormStatistics(net), "+7,552 for 32 biased 3x3 convs");
    }

    @Test
    void theCifarStemKeepsFullResolutionIntoStageOne() {
        ComputationGraph net = ResNet34.build(ResNetConfig.cifarPair().withStem(ResNetConfig.Stem.CIFAR));
        assertEquals(21_285_698 - 7 * 7 * 3 * 64 + 3 * 3 * 3 * 64, net.numParams() - batchNormStatistics(net),
                "a 3x3 stem conv instead of 7x7");
        Map<String, INDArray> acts = net.feedForward(Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32), false);
        assertEquals(null, acts.get("stem_pool"), "no max-pool");
        assertStageSizes(acts, 32, 16, 8, 4);
    }

    @Test
    void thePooledStemHalvesTheResolutionIntoStageOne() {
        ComputationGraph net = ResNet34.build(ResNetConfig.cifarPair().withStem(ResNetConfig.Stem.POOLED));
        assertEquals(21_285_698 - 7 * 7 * 3 * 64 + 3 * 3 * 3 * 64, net.numParams() - batchNormStatistics(net),
                "the CIFAR stem's 3x3 conv");
        Map<String, INDArray> acts = net.feedForward(Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32), false);
        assertArrayEquals(new long[] {2, 64, 32, 32}, acts.get("stem_conv").shape(), "the conv at full resolution");
        assertArrayEquals(new long[] {2, 64, 16, 16}, acts.get("stem_pool").shape());
        assertStageSizes(acts, 16, 8, 4, 2);
    }

    @Test
    void weightDecayShrinksWeightsButNotBatchNorm() {
        ComputationGraph net = ResNet34.build(ResNetConfig.cifarPair().withWeightDecay(5e-4));
        org.deeplearning4j.nn.conf.layers.BaseLayer conv = (org.deeplearning4j.nn.conf.layers.BaseLayer)
                net.getLayer("s1b1_conv1").conf().getLayer();
        assertEquals(1, conv.getRegularization().size(), String.valueOf(conv.getRegularization()));
        assertEquals(5e-4, ((org.nd4j.linalg.learning.regularization.WeightDecay) conv.getRegularization().get(0))
                .getCoeff().valueAt(0, 0), 0);
        org.deeplearning4j.nn.conf.layers.BaseLayer bn = (org.deeplearning4j.nn.conf.layers.BaseLayer)
                net.getLayer("s1b1_bn1").conf().getLayer();
        assertEquals(0, bn.getRegularization().size() + bn.getRegularizationBias().size(), "BN gamma/beta exempt");
        assertEquals(0, ((org.deeplearning4j.nn.conf.layers.BaseLayer) ResNet34.build(ResNetConfig.cifarPair())
                .getLayer("s1b1_conv1").conf().getLayer()).getRegularization().size(), "none by default");
    }

    @Test
    void stagesHalveTheResolutionFrom32To1() {
        ComputationGraph net = ResNet34.build(ResNetConfig.cifarPair());
        Map<String, INDArray> acts = net.feedForward(Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32), false);
        assertArrayEquals(new long[] {2, 64, 16, 16}, acts.get("stem_conv").shape());
        assertArrayEquals(new long[] {2, 64, 8, 8}, acts.get("stem_pool").shape());
        int[] channels = {64, 128, 256, 512};
        int[] size = {8, 4, 2, 1};
        for (int stage = 1; stage <= 4; stage++) {
            assertArrayEquals(new long[] {2, channels[stage - 1], size[stage - 1], size[stage - 1]},
                    acts.get(ResNet34.stageOutput(stage)).shape(), "stage " + stage);
        }
        assertArrayEquals(new long[] {2, 2}, acts.get(ResNet34.OUTPUT).shape());
    }

    @Test
    void classesAndInputSizeAreParameters() {
        ComputationGraph net = ResNet34.build(ResNetConfig.cifarPair().withClasses(10).withInputSize(64, 48));
        INDArray out = net.outputSingle(Nd4j.rand(DataType.FLOAT, 3, 3, 64, 48));
        assertArrayEquals(new long[] {3, 10}, out.shape());
        assertEquals(3.0, out.sumNumber().doubleValue(), 1e-4, "softmax rows sum to 1");
        long twoClassParams = ResNet34.build(ResNetConfig.cifarPair()).numParams();
        assertEquals(twoClassParams + 8 * 513, net.numParams(), "only the dense layer grows: 8 more outputs x (512+1)");
    }

    @Test
    void layerNamesShowStageAndBlock() {
        ComputationGraph net = ResNet34.build(ResNetConfig.cifarPair());
        int shortcuts = 0;
        int blocks = 0;
        for (GraphVertex v : net.getVertices()) {
            String n = v.getVertexName();
            assertTrue(n.matches("input|stem_(conv|bn|pool)|s[1-4]b[1-6]_(conv[12]|bn[12]|shortcut_(conv|bn)|add|out)|avgpool|output"), n);
            shortcuts += n.endsWith("_shortcut_conv") ? 1 : 0;
            blocks += n.endsWith("_add") ? 1 : 0;
        }
        assertEquals(16, blocks, "3+4+6+3 BasicBlocks");
        assertEquals(3, shortcuts, "projections exactly where the shape changes: first block of stages 2-4");
        assertTrue(net.getVertex("s2b1_shortcut_conv") != null && net.getVertex("s1b1_shortcut_conv") == null);
    }

    @Test
    void lowersItsLossOnATinySeparableSet() {
        Nd4j.getRandom().setSeed(7);
        int n = 16;
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 3, 32, 32).muli(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 2);
        for (int i = 0; i < n; i++) {
            int cls = i % 2;
            if (cls == 1) {
                x.slice(i).addi(0.5); // class 1 is brighter
            }
            y.putScalar(i, cls, 1);
        }
        DataSet data = new DataSet(x, y);
        ComputationGraph net = ResNet34.build(ResNetConfig.cifarPair());
        double before = net.score(data);
        for (int i = 0; i < 15; i++) {
            net.fit(data);
        }
        double after = net.score(data);
        assertTrue(after < before * 0.5, "loss " + before + " -> " + after);
        // training-mode output (batch statistics): the running BN averages lag 15 steps behind
        INDArray predicted = net.outputSingle(true, x).argMax(1);
        assertEquals(n, predicted.eq(y.argMax(1)).castTo(DataType.INT).sumNumber().intValue(), "fits all " + n);
    }

    /** The height (= width) of each stage's output, stages 1 to 4. */
    private static void assertStageSizes(Map<String, INDArray> acts, int... size) {
        for (int stage = 1; stage <= 4; stage++) {
            assertEquals(size[stage - 1], acts.get(ResNet34.stageOutput(stage)).shape()[2], "stage " + stage);
        }
    }
}
