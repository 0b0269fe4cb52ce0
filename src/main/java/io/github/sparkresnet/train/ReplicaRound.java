package io.github.sparkresnet.train;

import io.github.sparkresnet.model.NetworkState;
import io.github.sparkresnet.model.ResNet34;
import io.github.sparkresnet.spark.ByteBlocks;
import io.github.sparkresnet.spark.Nd4jSetup;
import io.github.sparkresnet.spark.ProcessMemory;

import com.esotericsoftware.kryo.DefaultSerializer;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.IntFunction;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A worker's part of one all-reduce round, as a Spark task over its partition of the round's
 * minibatches: take a replica, load the current averaged state into it (the slices the previous
 * round's reducers published), fit the minibatches, and publish the new state cut into one slice per
 * reducer. A worker without minibatches publishes nothing and is left out of the mean, as dl4j-spark
 * does.
 */
final class ReplicaRound implements Function2<Integer, Iterator<DataSet>, Iterator<ReplicaRound.Report>> {
    private final RoundBlocks blocks;
    private final long job;
    private final int slices;
    private final Broadcast<String> configuration;
    private final List<ByteBlocks.Ref> state;
    private final double learningRate;
    private final MinibatchRecorder recorder;

    /** What a worker did: its images, and its published slices (none when it had no minibatches). */
    @DefaultSerializer(JavaSerializer.class) // Kryo 4 cannot construct records
    record Report(int worker, long images, List<ByteBlocks.Ref> slices, SliceTraffic traffic, long loadNanos,
                  long fitNanos, long publishNanos) implements Serializable {
    }

    ReplicaRound(RoundBlocks blocks, long job, int slices, Broadcast<String> configuration,
                 List<ByteBlocks.Ref> state, double learningRate, MinibatchRecorder recorder) {
        this.blocks = blocks;
        this.job = job;
        this.slices = slices;
        this.configuration = configuration;
        this.state = state;
        this.learningRate = learningRate;
        this.recorder = recorder;
    }

    @Override
    public Iterator<Report> call(Integer worker, Iterator<DataSet> minibatches) {
        long t0 = System.nanoTime();
        Nd4jSetup.useTaskCpus();
        blocks.sweepBefore(job);
        if (!minibatches.hasNext()) {
            return List.of(new Report(worker, 0, List.of(), SliceTraffic.NONE, 0, 0, 0)).iterator();
        }
        ComputationGraph replica = Replicas.acquire(blocks.run(), job, () -> ResNet34.fromJson(configuration.value()));
        NetworkState vector = new NetworkState(replica);
        SliceTraffic traffic = load(vector, state, worker);
        // dl4j-spark's workers start every round with DL4J's iteration and epoch counters at 0
        // (ComputationGraphConfiguration.clone() does not copy them), so Adam's bias correction
        // starts over each round; the replicas do the same, to compute what it computes.
        NetworkState.setClock(replica, learningRate, 0, 0);
        long t1 = System.nanoTime();
        long images = 0;
        while (minibatches.hasNext()) {
            DataSet minibatch = minibatches.next();
            recorder.fit(replica, minibatch);
            images += minibatch.numExamples();
        }
        long t2 = System.nanoTime();
        List<ByteBlocks.Ref> published = publish(vector, slices, i -> blocks.workerSlice(job, worker, i));
        // Only a replica whose task got this far goes back: one interrupted inside DL4J is dropped.
        Replicas.release(blocks.run(), replica, job);
        recorder.memory().recordPeak(ProcessMemory.now());
        return List.of(new Report(worker, images, published, traffic, t1 - t0, t2 - t1, System.nanoTime() - t2)).iterator();
    }

    /**
     * Overwrites the whole state of {@code vector} with the slices {@code state} (slice i read by
     * worker i counts as its own). Returns what was read.
     */
    static SliceTraffic load(NetworkState vector, List<ByteBlocks.Ref> state, int worker) {
        SliceTraffic traffic = SliceTraffic.NONE;
        long expected = vector.length() * NetworkState.FLOAT_BYTES;
        long total = state.stream().mapToLong(ByteBlocks.Ref::bytes).sum();
        if (total != expected) {
            throw new IllegalStateException("the averaged state has " + total + " bytes, this network's "
                    + expected + ": replicas of different networks");
        }
        for (int i = 0; i < state.size(); i++) {
            try (ByteBlocks.Read slice = ByteBlocks.read(state.get(i))) {
                vector.copyIn(NetworkState.sliceStart(vector.length(), state.size(), i), slice.chunks());
                traffic = traffic.plus(SliceTraffic.of(slice, i == worker));
            }
        }
        return traffic;
    }

    /**
     * Publishes the state of {@code vector} as {@code slices} blocks named by {@code name}, in this
     * JVM: views of the network's memory, not copies, so the network must not change until the blocks
     * are removed (the next round's task sweeps them before it loads new state).
     */
    static List<ByteBlocks.Ref> publish(NetworkState vector, int slices, IntFunction<String> name) {
        List<ByteBlocks.Ref> refs = new ArrayList<>(slices);
        for (int i = 0; i < slices; i++) {
            long from = NetworkState.sliceStart(vector.length(), slices, i);
            long to = NetworkState.sliceStart(vector.length(), slices, i + 1);
            refs.add(ByteBlocks.putView(name.apply(i), vector.views(from, to), vector));
        }
        return refs;
    }
}
