package io.github.sparkresnet.model.helpers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.model.RandomMinibatches;
import io.github.sparkresnet.model.ResNet34;
import io.github.sparkresnet.model.ResNetConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/** Adam in Java computes DL4J's native Adam bit for bit: moments, update, and a network trained with it. */
class JavaAdamUpdaterTest {

    /** DL4J's native updater and the Java one on copies of the same state; returns {native, java}. */
    private static GradientUpdater<?>[] pair(Adam config, INDArray state) {
        AdamUpdater nativeUpdater = (AdamUpdater) config.instantiate(state, false);
        SingleBlock block = new SingleBlock(config.instantiate(state.dup(), false));
        return new GradientUpdater<?>[] {nativeUpdater, block.installed()};
    }

    /** Runs one update on both and asserts the update and both moments are the same floats. */
    private static void assertSameStep(GradientUpdater<?>[] updaters, INDArray gradient, int iteration, String what) {
        INDArray nativeUpdate = gradient.dup();
        INDArray javaUpdate = gradient.dup();
        updaters[0].applyUpdater(nativeUpdate, iteration, 0);
        updaters[1].applyUpdater(javaUpdate, iteration, 0);
        assertArrayEquals(bits(nativeUpdate), bits(javaUpdate), what + ": update");
        AdamUpdater a = (AdamUpdater) updaters[0];
        AdamUpdater b = (AdamUpdater) updaters[1];
        assertArrayEquals(bits(a.getM()), bits(b.getM()), what + ": first moment");
        assertArrayEquals(bits(a.getV()), bits(b.getV()), what + ": second moment");
    }

    private static int[] bits(INDArray a) {
        float[] f = a.toFloatVector();
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = Float.floatToRawIntBits(f[i]);
        }
        return out;
    }

    private static INDArray gradient(long n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.FLOAT, 1, n).muli(0.01);
    }

    @Test
    void aLongArrayOfRandomMomentsGetsTheSameFloatsOverManySteps() {
        int n = 3 * 2048 + 77; // chunks and a remainder
        Nd4j.getRandom().setSeed(1);
        INDArray state = Nd4j.rand(DataType.FLOAT, 1, 2L * n).muli(1e-3);
        GradientUpdater<?>[] updaters = pair(new Adam(1e-3), state);
        for (int iteration = 0; iteration < 50; iteration++) {
            assertSameStep(updaters, gradient(n, iteration), iteration, "iteration " + iteration);
        }
    }

    @Test
    void everyStepSizeOfTheFirstIterationsAndOfLongRunsIsTheNativeOnes() {
        // The step size depends on the iteration (bias correction) and the learning rate (a schedule
        // sets any): each combination on a short array.
        double[] rates = {1e-3, 3.7e-4, 2e-3, 1.234567e-5, 0.1};
        for (double rate : rates) {
            GradientUpdater<?>[] updaters = pair(new Adam(rate), Nd4j.rand(DataType.FLOAT, 1, 2 * 17));
            INDArray g = gradient(17, 7);
            for (int iteration = 0; iteration < 20_000; iteration += rate == 1e-3 ? 1 : 37) {
                assertSameStep(updaters, g, iteration, "rate " + rate + ", iteration " + iteration);
            }
            for (int iteration : new int[] {99_999, 1_000_000, Integer.MAX_VALUE - 1}) {
                assertSameStep(updaters, g, iteration, "rate " + rate + ", iteration " + iteration);
            }
        }
    }

    @Test
    void aZeroGradientAndZeroMomentsGiveTheNativeZerosAndNoNaNs() {
        GradientUpdater<?>[] updaters = pair(new Adam(1e-3), Nd4j.zeros(DataType.FLOAT, 1, 2 * 3000));
        assertSameStep(updaters, Nd4j.zeros(DataType.FLOAT, 1, 3000), 0, "zeros");
    }

    @Test
    void anArrayItDoesNotHandleGoesToTheNativeOp() {
        int n = 40;
        GradientUpdater<?>[] updaters = pair(new Adam(1e-3), Nd4j.rand(DataType.FLOAT, 1, 2 * n));
        INDArray strided = gradient(2L * n, 3).reshape(n, 2).getColumn(0).reshape(1, n); // a view with stride 2
        INDArray nativeUpdate = strided.dup();
        updaters[0].applyUpdater(nativeUpdate, 4, 0);
        updaters[1].applyUpdater(strided, 4, 0);
        assertArrayEquals(bits(nativeUpdate), bits(strided));
    }

    @Test
    void resNet34TrainedWithItEndsInTheSameParametersAndStateAsWithDl4jsAdam() {
        ResNetConfig config = ResNetConfig.cifarPair();
        ComputationGraph dl4j = ResNet34.build(config);
        ComputationGraph java = ResNet34.build(config);
        for (int step = 0; step < 3; step++) {
            DataSet minibatch = RandomMinibatches.of(8, 100 + step);
            dl4j.fit(minibatch);
            if (step == 0) {
                int installed = OneDnnHelpers.tune(java); // the updater exists once state is read or a fit ran
                assertEquals(0, installed, "no updater before the first fit: nothing to replace");
            }
            java.fit(minibatch);
            if (step == 0) {
                assertTrue(OneDnnHelpers.tune(java) > 0, "Adam blocks replaced after the first fit");
                for (UpdaterBlock block : java.getUpdater().getUpdaterBlocks()) {
                    GradientUpdater<?> u = block.getGradientUpdater();
                    assertTrue(!(u instanceof AdamUpdater) || u instanceof JavaAdamUpdater, "every Adam block replaced");
                    if (u instanceof JavaAdamUpdater adam) {
                        assertTrue(JavaAdamUpdater.handles(block.getGradientView(), adam.getM(), adam.getV()),
                                "the Java loop, not the native fallback, updates the views DL4J gives the block");
                    }
                }
                assertEquals(0, OneDnnHelpers.tune(java), "idempotent");
            }
        }
        for (UpdaterBlock block : dl4j.getUpdater().getUpdaterBlocks()) {
            assertTrue(!(block.getGradientUpdater() instanceof JavaAdamUpdater), "the reference keeps DL4J's Adam");
        }
        assertArrayEquals(bits(dl4j.params()), bits(java.params()), "parameters (batch-norm statistics included)");
        assertArrayEquals(bits(dl4j.getUpdater().getStateViewArray()), bits(java.getUpdater().getStateViewArray()),
                "Adam's moments");
    }

    /**
     * The Java updater made the way {@link JavaAdamUpdater#install} makes it from a block's native one,
     * outside a network: on an updater block of DL4J's own that holds only the native updater.
     */
    private static final class SingleBlock {
        private final UpdaterBlock block;

        SingleBlock(GradientUpdater<?> nativeUpdater) {
            block = new UpdaterBlock(0, 0, 0, 0, java.util.List.of());
            block.setGradientUpdater(nativeUpdater);
        }

        GradientUpdater<?> installed() {
            GradientUpdater<?> before = block.getGradientUpdater();
            JavaAdamUpdater.replace(block);
            assertSame(JavaAdamUpdater.class, block.getGradientUpdater().getClass());
            assertSame(((AdamUpdater) before).getM(), ((AdamUpdater) block.getGradientUpdater()).getM());
            return block.getGradientUpdater();
        }
    }
}
