package io.github.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** A network's parameters and Adam state as one vector, read in place and written back. */
class NetworkStateTest {

    @Test
    void theVectorIsTheParametersThenTheUpdaterStateReadInPlace() {
        ComputationGraph net = trained();
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
        ComputationGraph net = trained();
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
        ComputationGraph a = trained();
        ComputationGraph b = a.clone();
        b.getUpdater().getStateViewArray().assign(a.getUpdater().getStateViewArray());
        a.setLearningRate(0.003);
        NetworkState.setClock(b, 0.003, a.getConfiguration().getIterationCount(), a.getConfiguration().getEpochCount());
        DataSet batch = batch(11);
        a.fit(batch);
        b.fit(batch);
        assertArrayEquals(a.params().toFloatVector(), b.params().toFloatVector());
        assertArrayEquals(a.getUpdater().getStateViewArray().toFloatVector(), b.getUpdater().getStateViewArray().toFloatVector());

        NetworkState.setClock(b, 0.001, 40, 7);
        assertEquals(40, b.getConfiguration().getIterationCount());
        assertEquals(7, b.getConfiguration().getEpochCount());
    }

    /** A small graph with Adam, fitted twice so its updater state is not zero. */
    private static ComputationGraph trained() {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder()
                .seed(3).dataType(DataType.FLOAT).updater(new Adam(0.01))
                .graphBuilder().addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").build());
        net.init();
        net.fit(batch(1));
        net.fit(batch(2));
        return net;
    }

    private static DataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 4);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 2);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 2, 1);
        }
        return new DataSet(x, y);
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
