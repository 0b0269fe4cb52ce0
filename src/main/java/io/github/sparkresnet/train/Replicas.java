package io.github.sparkresnet.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
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
 * its task slots, or more when a round has more workers than the cluster has slots.
 *
 * <p>A JVM keeps the replicas of one run at a time: the first task of another run frees the idle ones
 * (two runs sharing executors stay correct, each just rebuilds more often), and a run frees its own
 * when it ends.
 */
final class Replicas {
    private record Idle(ComputationGraph net, long reusableFromJob) {
    }

    private static final Map<String, List<Idle>> IDLE = new HashMap<>();

    private Replicas() {
    }

    /**
     * An idle replica of {@code run} that job {@code job} may change, or a new one from {@code build};
     * hand it back with {@link #release}.
     */
    static ComputationGraph acquire(String run, long job, Supplier<ComputationGraph> build) {
        synchronized (IDLE) {
            IDLE.keySet().removeIf(other -> !other.equals(run));
            for (Iterator<Idle> it = IDLE.computeIfAbsent(run, r -> new ArrayList<>()).iterator(); it.hasNext(); ) {
                Idle idle = it.next();
                if (idle.reusableFromJob() <= job) {
                    it.remove();
                    return idle.net();
                }
            }
        }
        return build.get(); // outside the lock: a build takes a second or two
    }

    /** Hands a replica back after job {@code job}, which published its memory. */
    static void release(String run, ComputationGraph replica, long job) {
        synchronized (IDLE) {
            IDLE.computeIfAbsent(run, r -> new ArrayList<>()).add(new Idle(replica, job + 2));
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
