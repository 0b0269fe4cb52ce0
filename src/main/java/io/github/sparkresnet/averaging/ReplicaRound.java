package io.github.sparkresnet.averaging;

import io.github.sparkresnet.model.NetworkState;
import io.github.sparkresnet.model.ResNet34;
import io.github.sparkresnet.spark.ByteBlocks;
import io.github.sparkresnet.spark.Nd4jSetup;
import io.github.sparkresnet.spark.ProcessMemory;
import io.github.sparkresnet.spark.ThisExecutor;

import com.esotericsoftware.kryo.DefaultSerializer;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's part of one all-reduce round, as a Spark task over its partition of the round's
 * minibatches: take a replica, load the current averaged state into it (the slices the previous
 * round's reducers published), fit the minibatches, and publish the new state cut into one slice per
 * reducer. A worker without minibatches publishes nothing and is left out of the mean, as dl4j-spark
 * does.
 *
 * <p>When only parameters are averaged ({@link Averaging.Averaged#PARAMETERS}) the averaged slices
 * cover the parameters, and the worker's Adam moments are its own: those it published after its
 * previous fit (still in its replica when the task runs where that fit ran, else read from its
 * blocks), or the averaged moments after the driver has synchronised them ({@link Inputs#moments}).
 * It publishes them as slices of their own, for its next fit or that synchronisation.
 *
 * <p>A round's only worker publishes the round's mean itself ({@code meanCopies}): the mean of one
 * state is that state, so an averaging job would only copy it. Its task copies its state out of the
 * replica (whose memory the next round changes) into mean slices, with their copies elsewhere, as
 * {@link SliceAverage} stores a mean; the same bits, one job a round instead of two.
 *
 * <p>A worker's slices stay in its own executor: the averaging job reads them there. A worker whose
 * executor Spark is decommissioning sends a copy of each to another executor as well, since the
 * executor leaves as soon as this task ends, before the averaging job can read them. With Spark's
 * block migration on, a decommissioning executor stores no new blocks (and stays until its blocks
 * have moved): a task there stops before it loads the state or between minibatches (at the latest,
 * its publishing fails), and Spark runs it on another executor.
 */
final class ReplicaRound implements Function2<Integer, Iterator<DataSet>, Iterator<ReplicaRound.Report>> {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaRound.class);
    private final RoundBlocks blocks;
    private final long job;
    private final long oldestRead;
    private final int slices;
    private final Broadcast<String> configuration;
    private final Inputs inputs;
    private final double learningRate;
    private final MinibatchRecorder recorder;
    private final int meanCopies;

    /**
     * The state a round starts from: the averaged slices ({@code state}: the whole state, or the
     * parameters when {@code parametersOnly}); with parameters only, the averaged moments
     * ({@code moments}, null while each worker has its own) and each worker's own moment slices with
     * the job that published them ({@code own}, {@code ownJob}).
     */
    @DefaultSerializer(JavaSerializer.class) // Kryo 4 cannot construct records
    record Inputs(List<ByteBlocks.Ref> state, boolean parametersOnly, List<ByteBlocks.Ref> moments,
                  Map<Integer, List<ByteBlocks.Ref>> own, Map<Integer, Long> ownJob) implements Serializable {
        static Inputs wholeState(List<ByteBlocks.Ref> state) {
            return new Inputs(state, false, null, Map.of(), Map.of());
        }

        /** Every block the round reads. */
        List<ByteBlocks.Ref> all() {
            List<ByteBlocks.Ref> refs = new ArrayList<>(state);
            if (moments != null) {
                refs.addAll(moments);
            } else {
                own.values().forEach(refs::addAll);
            }
            return refs;
        }
    }

    /**
     * What a worker did: its images, and its published slices (none when it had no minibatches); with
     * parameters only, its own moments' slices too.
     */
    @DefaultSerializer(JavaSerializer.class) // Kryo 4 cannot construct records
    record Report(int worker, long images, List<ByteBlocks.Ref> slices, List<ByteBlocks.Ref> moments,
                  SliceTraffic traffic, long loadNanos, long fitNanos, long publishNanos) implements Serializable {
    }

    /**
     * Job {@code job}'s fit: each worker publishes its state as {@code slices} slices for the averaging
     * job; with {@code meanCopies} above 0 the round has one worker, which publishes them as the
     * round's mean, each with {@code meanCopies} holders (whole state only).
     */
    ReplicaRound(RoundBlocks blocks, long job, int slices, Broadcast<String> configuration, Inputs inputs,
                 double learningRate, MinibatchRecorder recorder, int meanCopies) {
        if (meanCopies > 0 && inputs.parametersOnly()) {
            throw new IllegalArgumentException("a round's only worker publishes the mean of the whole state only");
        }
        this.blocks = blocks;
        this.job = job;
        this.oldestRead = blocks.oldestRead(inputs.all());
        this.slices = slices;
        this.configuration = configuration;
        this.inputs = inputs;
        this.learningRate = learningRate;
        this.recorder = recorder;
        this.meanCopies = meanCopies;
    }

    @Override
    public Iterator<Report> call(Integer worker, Iterator<DataSet> minibatches) {
        long t0 = System.nanoTime();
        Nd4jSetup.useTaskCpus();
        blocks.sweep(oldestRead, job);
        if (!minibatches.hasNext()) {
            return List.of(new Report(worker, 0, List.of(), List.of(), SliceTraffic.NONE, 0, 0, 0)).iterator();
        }
        refuseIfNoNewBlocks(worker);
        boolean ownMoments = inputs.parametersOnly() && inputs.moments() == null;
        Replicas.Taken taken = Replicas.acquire(blocks.run(), job, inputs.parametersOnly() ? worker : -1,
                inputs.ownJob().getOrDefault(worker, -1L), () -> ResNet34.fromJson(configuration.value()));
        ComputationGraph replica = taken.net();
        NetworkState vector = new NetworkState(replica);
        long averaged = inputs.parametersOnly() ? vector.parameterCount() : vector.length();
        boolean insideDl4j = false;
        long t1;
        long images = 0;
        SliceTraffic traffic;
        try {
            traffic = load(vector, 0, inputs.state(), worker, i -> i == worker);
            if (inputs.moments() != null) {
                traffic = traffic.plus(load(vector, averaged, inputs.moments(), worker, i -> i == worker));
            } else if (ownMoments && !taken.current()) {
                traffic = traffic.plus(load(vector, averaged, inputs.own().get(worker), worker, i -> true));
            }
            // dl4j-spark's workers start every round with DL4J's iteration and epoch counters at 0
            // (ComputationGraphConfiguration.clone() does not copy them), so Adam's bias correction
            // starts over each round; the replicas do the same, to compute what it computes.
            NetworkState.setClock(replica, learningRate, 0, 0);
            t1 = System.nanoTime();
            while (minibatches.hasNext()) {
                refuseIfNoNewBlocks(worker);
                DataSet minibatch = minibatches.next();
                insideDl4j = true;
                recorder.fit(replica, minibatch);
                insideDl4j = false;
                images += minibatch.numExamples();
            }
        } catch (RuntimeException | Error e) {
            if (!insideDl4j) {
                // stopped between minibatches (the task killed when the round failed, a block missing):
                // the replica is whole and published nothing, and any task overwrites its state
                Replicas.returnUnpublished(blocks.run(), replica, job);
            }
            throw e;
        }
        long t2 = System.nanoTime();
        int copies = ownSliceCopies();
        List<ByteBlocks.Ref> published = meanCopies > 0
                ? publishCopies(vector, 0, averaged, slices, Math.max(copies, meanCopies), i -> blocks.meanSlice(job, i))
                : publish(vector, 0, averaged, slices, copies, i -> blocks.workerSlice(job, worker, i));
        List<ByteBlocks.Ref> moments = inputs.parametersOnly()
                ? publish(vector, averaged, vector.length(), slices, copies, i -> blocks.workerMoments(job, worker, i))
                : List.of();
        if (copies > 1 && meanCopies == 0) {
            LOG.info("this executor is being decommissioned: worker {}'s slices of job {} copied to executor(s) {}",
                    worker, job, published.stream().flatMap(r -> r.copies().stream()).map(ByteBlocks.Ref::executorId)
                            .distinct().toList());
        }
        // Only a replica whose task got this far or stopped between minibatches goes back: one that
        // failed inside DL4J is dropped. One whose state went out as copies may serve the next job.
        if (meanCopies > 0) {
            Replicas.returnUnpublished(blocks.run(), replica, job);
        } else {
            Replicas.release(blocks.run(), replica, job, inputs.parametersOnly() ? worker : -1);
        }
        recorder.memory().recordPeak(ProcessMemory.now());
        return List.of(new Report(worker, images, published, moments, traffic, t1 - t0, t2 - t1,
                System.nanoTime() - t2)).iterator();
    }

    /**
     * Stops the task (before it loads the state, or between minibatches) once this executor is being
     * decommissioned with block migration on: it could not publish what it fitted, and Spark runs the
     * task again on another executor, the sooner the better.
     */
    private void refuseIfNoNewBlocks(int worker) {
        if (ThisExecutor.storesNoNewBlocks()) {
            throw new IllegalStateException("worker " + worker + " of job " + job + ": this executor is being "
                    + "decommissioned with block migration on and stores no new blocks; the task goes elsewhere");
        }
    }

    /**
     * How many executors a worker's published slices go to: its own, and one more when Spark is
     * decommissioning this executor (which exits once no task runs on it, before the averaging job
     * has read them).
     */
    static int ownSliceCopies() {
        return ThisExecutor.beingDecommissioned() && !ThisExecutor.storesNoNewBlocks() ? 2 : 1;
    }

    /**
     * Overwrites the elements of {@code vector} from {@code from} on with the slices {@code state}, in
     * order (slice {@code i} counting as the reading worker's own when {@code own} says so). Reads them
     * starting after slice {@code first} and wrapping round (a ring), so that workers reading at the
     * same time read from different peers rather than all from the holder of slice 0. Returns what
     * was read.
     */
    static SliceTraffic load(NetworkState vector, long from, List<ByteBlocks.Ref> state, int first, IntPredicate own) {
        SliceTraffic traffic = SliceTraffic.NONE;
        long[] at = new long[state.size() + 1];
        at[0] = from;
        for (int i = 0; i < state.size(); i++) {
            at[i + 1] = at[i] + state.get(i).bytes() / NetworkState.FLOAT_BYTES;
        }
        long end = at[state.size()];
        if (end != vector.length() && !(from == 0 && end == vector.parameterCount())) {
            throw new IllegalStateException("the averaged state is elements [" + from + ", " + end + "), this network's "
                    + vector.length() + " (" + vector.parameterCount() + " parameters): replicas of different networks");
        }
        for (int k = 0; k < state.size(); k++) {
            int i = Math.floorMod(first + 1 + k, state.size());
            try (ByteBlocks.Read slice = ByteBlocks.read(state.get(i))) {
                vector.copyIn(at[i], slice.chunks());
                traffic = traffic.plus(SliceTraffic.of(slice, own.test(i)));
            }
        }
        return traffic;
    }

    /**
     * Publishes elements [from, to) of {@code vector} as {@code slices} blocks named by {@code name}, in
     * this JVM: views of the network's memory, not copies, so the network must not change until the
     * blocks are removed (the next round's task sweeps them before it loads new state).
     */
    static List<ByteBlocks.Ref> publish(NetworkState vector, long from, long to, int slices, IntFunction<String> name) {
        return publish(vector, from, to, slices, 1, name);
    }

    /**
     * Elements [from, to) of {@code vector} as {@code slices} blocks named by {@code name}, each a copy
     * (the mean of the one vector, as {@link SliceMean} computes it: the same bits) with {@code copies}
     * holders: the network may change once this returns.
     */
    private static List<ByteBlocks.Ref> publishCopies(NetworkState vector, long from, long to, int slices, int copies,
                                                      IntFunction<String> name) {
        List<ByteBlocks.Ref> refs = new ArrayList<>(slices);
        for (int i = 0; i < slices; i++) {
            long start = from + NetworkState.sliceStart(to - from, slices, i);
            long end = from + NetworkState.sliceStart(to - from, slices, i + 1);
            ByteBuffer copy = ByteBlocks.allocate(Math.toIntExact((end - start) * NetworkState.FLOAT_BYTES));
            refs.add(ByteBlocks.put(name.apply(i), SliceMean.into(List.<ByteBuffer[]>of(vector.views(start, end)), copy).flip(), copies));
        }
        return refs;
    }

    /**
     * Runs what a round's task runs after its fit, once, on {@code vector} (a replica being prepared):
     * its state cut into {@code slices} slices (parameters and moments apart when {@code parametersOnly})
     * and stored as copies, as a round's only worker stores the mean, then read back and loaded as a
     * round loads the state. The copy loops are compiled and the slices' buffers allocated before the
     * executor's first task, which then reads the state into them; the blocks are removed (their
     * buffers kept for reuse) and the vector's values are what they were.
     */
    static void warmUp(NetworkState vector, int slices, boolean parametersOnly, RoundBlocks blocks) {
        long averaged = parametersOnly ? vector.parameterCount() : vector.length();
        List<ByteBlocks.Ref> state = new ArrayList<>(publishCopies(vector, 0, averaged, slices, 1,
                i -> blocks.warmUpSlice(i)));
        try {
            load(vector, 0, state, 0, i -> true);
            if (parametersOnly) {
                List<ByteBlocks.Ref> moments = publishCopies(vector, averaged, vector.length(), slices, 1,
                        i -> blocks.warmUpSlice(slices + i));
                state.addAll(moments);
                load(vector, averaged, moments, 0, i -> true);
            }
        } finally {
            Set<String> names = state.stream().map(ByteBlocks.Ref::name).collect(Collectors.toSet());
            ByteBlocks.removeLocal(names::contains);
        }
    }

    /** As {@link #publish(NetworkState, long, long, int, IntFunction)}, each block with {@code copies} holders. */
    static List<ByteBlocks.Ref> publish(NetworkState vector, long from, long to, int slices, int copies,
                                        IntFunction<String> name) {
        List<ByteBlocks.Ref> refs = new ArrayList<>(slices);
        for (int i = 0; i < slices; i++) {
            long start = from + NetworkState.sliceStart(to - from, slices, i);
            long end = from + NetworkState.sliceStart(to - from, slices, i + 1);
            refs.add(ByteBlocks.putView(name.apply(i), vector.views(start, end), vector, copies));
        }
        return refs;
    }
}
