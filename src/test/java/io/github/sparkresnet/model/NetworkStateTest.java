package io.github.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** A network's parameters and Adam state as one vector, read in place and written back. */
class NetworkStateTest {

    @Test
    void theVectorIsTheParametersThenTheUpdaterStateReadInPlace() {
        ComputationGraph net = SmallGraphs.trained();
        NetworkState state = new NetworkState(net);
        INDArray params = net.params();
        INDArray updater = net.getUpdater().getStateViewArray();
        assertEquals(params.length() + updater.length(), state.length());
        assertTrue(updater.sumNumber().doubleValue() != 0, "Adam has state after a fit");

        float[] expected = concat(params.toFloatVector(), updater.toFloatVector());
        // a range across the boundary comes as two views, one per array
        long from = params.length() - 3;
        long to = params.length() + 5;
        ByteBuffer[] views = state.views(from, to);
        assertEquals(2, views.length);
        assertArrayEquals(java.util.Arrays.copyOfRange(expected, (int) from, (int) to), floats(views));
        // views, not copies: they see the network change
        params.putScalar(params.length() - 1, 42f);
        assertEquals(42f, floats(state.views(params.length() - 1, params.length()))[0]);
    }

    @Test
    void copyInOverwritesBothArraysAcrossTheBoundary() {
        ComputationGraph net = SmallGraphs.trained();
        NetworkState state = new NetworkState(net);
        int n = (int) state.length();
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = i * 0.25f;
        }
        // in two pieces, the first ending inside the parameters, each given as two chunks
        int cut = (int) net.params().length() - 2;
        state.copyIn(0, new ByteBuffer[] {buffer(values, 0, 3), buffer(values, 3, cut)});
        state.copyIn(cut, new ByteBuffer[] {buffer(values, cut, cut + 4), buffer(values, cut + 4, n)});
        assertArrayEquals(values, concat(net.params().toFloatVector(), net.getUpdater().getStateViewArray().toFloatVector()));
    }

    @Test
    void setClockTrainsAsSetLearningRateDoes() {
        ComputationGraph a = SmallGraphs.trained();
        ComputationGraph b = a.clone();
        b.getUpdater().getStateViewArray().assign(a.getUpdater().getStateViewArray());
        a.setLearningRate(0.003);
        NetworkState.setClock(b, 0.003, a.getConfiguration().getIterationCount(), a.getConfiguration().getEpochCount());
        DataSet batch = SmallGraphs.batch(11);
        a.fit(batch);
        b.fit(batch);
        assertArrayEquals(a.params().toFloatVector(), b.params().toFloatVector());
        assertArrayEquals(a.getUpdater().getStateViewArray().toFloatVector(), b.getUpdater().getStateViewArray().toFloatVector());

        NetworkState.setClock(b, 0.001, 40, 7);
        assertEquals(40, b.getConfiguration().getIterationCount());
        assertEquals(7, b.getConfiguration().getEpochCount());
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static float[] floats(ByteBuffer[] chunks) {
        int n = 0;
        for (ByteBuffer c : chunks) {
            n += c.remaining() / 4;
        }
        float[] out = new float[n];
        int at = 0;
        for (ByteBuffer c : chunks) {
            int k = c.remaining() / 4;
            c.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer().get(out, at, k);
            at += k;
        }
        return out;
    }

    private static ByteBuffer buffer(float[] v, int from, int to) {
        ByteBuffer b = ByteBuffer.allocate((to - from) * 4).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(v, from, to - from);
        return b;
    }
}
