package io.github.sparkresnet.model;

import io.github.sparkresnet.model.helpers.FloatViews;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Everything parameter averaging averages, as one float vector: a network's parameters (batch norm's
 * running statistics included, as DL4J stores them there) followed by its updater state (Adam's two
 * moment estimates). Ranges of it are read as views of the network's own memory and written by
 * copying into it, as native-order floats: no INDArray is created or reallocated.
 */
public final class NetworkState {
    /** Bytes per element of the vector. */
    public static final int FLOAT_BYTES = Float.BYTES;
    private final INDArray params;
    private final INDArray updater;
    private final long length;

    public NetworkState(ComputationGraph net) {
        this.params = contiguousFloats(net.params(), "parameters");
        INDArray state = net.getUpdater().getStateViewArray();
        this.updater = state == null ? null : contiguousFloats(state, "updater state");
        this.length = params.length() + (updater == null ? 0 : updater.length());
    }

    /**
     * Sets what else makes a step of {@code net} what it is: the learning rate of every layer's updater
     * and DL4J's iteration and epoch counters (Adam's bias correction counts iterations). The rate is
     * set on the updater configurations in place, which {@code ComputationGraph.setLearningRate} does
     * too before it rebuilds the updater and copies its whole state: that copy is not needed here.
     */
    public static void setClock(ComputationGraph net, double learningRate, int iterations, int epochs) {
        for (org.deeplearning4j.nn.api.Layer layer : net.getLayers()) {
            if (layer.conf().getLayer() instanceof BaseLayer base) {
                IUpdater updater = base.getIUpdater();
                if (updater != null && updater.hasLearningRate()) {
                    updater.setLrAndSchedule(learningRate, null);
                }
            }
        }
        net.getConfiguration().setIterationCount(iterations);
        net.getConfiguration().setEpochCount(epochs);
    }

    /** Floats in the vector. */
    public long length() {
        return length;
    }

    /**
     * Floats of the parameters (batch norm's statistics included), which come first: the updater state
     * is elements {@code [parameterCount(), length())}.
     */
    public long parameterCount() {
        return params.length();
    }

    /** Start of slice {@code i} of {@code count} nearly equal slices of {@code length} elements; {@code i = count} gives the end. */
    public static long sliceStart(long length, int count, int i) {
        return length * i / count;
    }

    /**
     * Elements [from, to) as views of the network's memory (one buffer per array the range touches),
     * native-order floats: valid while this state is reachable, and changing whenever the network does.
     */
    public ByteBuffer[] views(long from, long to) {
        check(from, to);
        long split = params.length();
        if (to <= split) {
            return new ByteBuffer[] {FloatViews.view(params, from, to)};
        }
        if (from >= split) {
            return new ByteBuffer[] {FloatViews.view(updater, from - split, to - split)};
        }
        return new ByteBuffer[] {FloatViews.view(params, from, split), FloatViews.view(updater, 0, to - split)};
    }

    /** Copies the floats in {@code chunks} (each from its position to its limit), in order, into the vector from element {@code from} on. */
    public void copyIn(long from, ByteBuffer[] chunks) {
        long at = from;
        for (ByteBuffer chunk : chunks) {
            long n = chunk.remaining() / FLOAT_BYTES;
            for (ByteBuffer target : views(at, at + n)) {
                int end = chunk.position() + target.remaining();
                target.put(chunk.duplicate().limit(end));
                chunk.position(end);
            }
            at += n;
        }
    }

    private void check(long from, long to) {
        if (from < 0 || to > length || from > to) {
            throw new IndexOutOfBoundsException("elements [" + from + ", " + to + ") of a state of " + length);
        }
    }

    private static INDArray contiguousFloats(INDArray a, String what) {
        if (a.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("the network's " + what + " are " + a.dataType() + "; expected FLOAT");
        }
        if (a.elementWiseStride() != 1 || a.offset() + a.length() > a.data().length()) {
            throw new IllegalArgumentException("the network's " + what + " are not one contiguous run of floats");
        }
        return a;
    }
}
