package io.github.sparkresnet.averaging;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The networks that stay in an executor (or local-mode driver) JVM between averaging rounds and
 * epochs, so no round rebuilds a network. Every task overwrites its replica's whole training state
 * before it fits, so any idle replica of a run serves any of its workers: Spark may place a round's
 * tasks wherever it likes.
 *
 * <p>A replica's memory is published as its worker's slices ({@link ReplicaRound#publish}) and must
 * not change until the averaging job after it has read them: a replica handed back after job
 * {@code n} is taken again from job {@code n + 2} on (whose tasks have removed job {@code n}'s blocks,
 * see {@link RoundBlocks}). So a JVM holds as many replicas as it runs workers' tasks in one round:
 * its task slots, or more when a round has more workers than the cluster has slots. A round's only
 * worker publishes copies instead ({@link ReplicaRound}), and its replica serves the next job.
 *
 * <p>When only parameters are averaged ({@code --averaged parameters}), a replica also holds its
 * worker's own Adam moments, published as that worker's blocks: it serves the same worker again in
 * place (no moments to load) from job {@code n + 2}, and other workers only from job {@code n + 4},
 * once its worker's next fit has read those blocks wherever it ran.
 *
 * <p>A JVM keeps the replicas of one run at a time: the first task of another run frees the idle ones
 * (two runs sharing executors stay correct, each just rebuilds more often), and a run frees its own
 * when it ends.
 */
final class Replicas {
    /** An idle replica; {@code worker} and {@code job}: whose moments it holds, from which job (-1: none). */
    private record Idle(ComputationGraph net, long reusableFromJob, int worker, long job) {
    }

    /** A replica taken for a task; {@code current}: it holds the task's worker's moments as of the job asked for. */
    record Taken(ComputationGraph net, boolean current) {
    }

    private static final Map<String, List<Idle>> IDLE = new HashMap<>();

    private Replicas() {
    }

    /**
     * A replica of {@code run} for job {@code job}'s worker {@code worker} ({@code -1}: any worker),
     * whose own moments are those it published in job {@code momentsJob}: its own replica if it is
     * idle here ({@link Taken#current()} when it holds those moments), else any idle replica job
     * {@code job} may change, else a new one from {@code build}; hand it back with {@link #release}.
     */
    static Taken acquire(String run, long job, int worker, long momentsJob, Supplier<ComputationGraph> build) {
        synchronized (IDLE) {
            IDLE.keySet().removeIf(other -> !other.equals(run));
            List<Idle> idle = IDLE.computeIfAbsent(run, r -> new ArrayList<>());
            for (Iterator<Idle> it = idle.iterator(); worker >= 0 && it.hasNext(); ) {
                Idle own = it.next();
                if (own.worker() == worker && own.job() + 2 <= job) {
                    it.remove();
                    return new Taken(own.net(), own.job() == momentsJob);
                }
            }
            for (Iterator<Idle> it = idle.iterator(); it.hasNext(); ) {
                Idle any = it.next();
                if (any.reusableFromJob() <= job) {
                    it.remove();
                    return new Taken(any.net(), false);
                }
            }
        }
        return new Taken(build.get(), false); // outside the lock: a build takes a second or two
    }

    /**
     * Hands a replica back after job {@code job}, which published its memory; {@code worker}: whose own
     * moments it also holds, published in that job ({@code -1}: nobody's).
     */
    static void release(String run, ComputationGraph replica, long job, int worker) {
        synchronized (IDLE) {
            IDLE.computeIfAbsent(run, r -> new ArrayList<>())
                    .add(new Idle(replica, job + (worker < 0 ? 2 : 4), worker, worker < 0 ? -1 : job));
        }
    }

    /**
     * Hands back a replica that job {@code job}'s task took and published no view of (it stopped
     * before publishing, or published copies of its state): any later job may take it.
     */
    static void returnUnpublished(String run, ComputationGraph replica, long job) {
        synchronized (IDLE) {
            IDLE.computeIfAbsent(run, r -> new ArrayList<>()).add(new Idle(replica, job + 1, -1, -1));
        }
    }

    /**
     * Builds a replica of {@code run} for this JVM's first task, runs it once on a random minibatch of
     * {@code minibatch} images (the run's size: the native kernels and the memory of that shape are
     * set up), then gives it to {@code alsoWith} (what else a round runs, see
     * {@link ReplicaRound#warmUp}): an executor that joins mid-run is prepared this way while the
     * others train. Any job may take it; every task overwrites its whole state first.
     */
    static void prepare(String run, Supplier<ComputationGraph> build, int minibatch, Consumer<ComputationGraph> alsoWith) {
        ComputationGraph net = build.get();
        org.nd4j.linalg.api.ndarray.INDArray images = org.nd4j.linalg.factory.Nd4j.rand(
                org.nd4j.linalg.api.buffer.DataType.FLOAT, minibatch, 3, 32, 32);
        org.nd4j.linalg.api.ndarray.INDArray labels = net.outputSingle(images).mul(0);
        for (int i = 0; i < minibatch; i++) {
            labels.putScalar(i, i % labels.size(1), 1);
        }
        net.fit(new org.nd4j.linalg.dataset.DataSet(images, labels));
        alsoWith.accept(net);
        synchronized (IDLE) {
            IDLE.keySet().removeIf(other -> !other.equals(run));
            IDLE.computeIfAbsent(run, r -> new ArrayList<>()).add(new Idle(net, 0, -1, -1));
        }
    }

    /** Frees this JVM's idle replicas of {@code run}; returns how many. */
    static int drop(String run) {
        synchronized (IDLE) {
            List<Idle> idle = IDLE.remove(run);
            return idle == null ? 0 : idle.size();
        }
    }
}
