package io.github.sparkresnet.averaging;

import io.github.sparkresnet.spark.ByteBlocks;

import java.io.Serializable;
import java.util.List;

/**
 * The names of one run's all-reduce blocks, and their lifetime. Every Spark job of the run has a
 * sequence number; a job's blocks are read by the next job that succeeds it (the workers' slices by
 * the job that averages them, the averaged slices by the next round's workers, or by the driver at
 * the end of an epoch), so a task removes, in its own JVM, the blocks of jobs before the oldest its
 * job reads ({@link #oldestRead}): job {@code n - 1} for a fit job where nothing fails, and the
 * state a failed round started from when that round is fitted again (with what the failed attempt
 * left: {@link #sweep}). When the state has copies, an averaging job keeps the state its round
 * started from as well, until the next round's fit job: a round that fails while it is averaged is
 * fitted again from that state. The exception are a worker's own Adam
 * moments when only parameters are averaged: published by its fit in job {@code n}, read by its next
 * fit (job {@code n + 2}) wherever that runs, or averaged after the epoch's last round (job
 * {@code n + 2} too); they are kept two jobs longer.
 */
record RoundBlocks(String run) implements Serializable {
    private static final String PREFIX = "sparkresnet_";
    private static final String MOMENTS = "u";

    /** Worker {@code worker}'s slice {@code slice} after its fit in job {@code job}. */
    String workerSlice(long job, int worker, int slice) {
        return name(job, "w" + worker + "_" + slice);
    }

    /** Slice {@code slice} of worker {@code worker}'s own Adam moments after its fit in job {@code job}. */
    String workerMoments(long job, int worker, int slice) {
        return name(job, MOMENTS + worker + "_" + slice);
    }

    /** The mean of slice {@code slice} over the workers, computed in job {@code job}. */
    String meanSlice(long job, int slice) {
        return name(job, "m" + slice);
    }

    /**
     * Slice {@code slice} of what a joining executor stores and removes while it prepares
     * ({@link ReplicaRound#warmUp}); of no job (no sweep takes it).
     */
    String warmUpSlice(int slice) {
        return PREFIX + "warmup_" + run + "_" + slice;
    }

    /** Slice {@code slice} of the driver's network, published before job {@code job} (seeding the workers). */
    String driverSlice(long job, int slice) {
        return name(job, "d" + slice);
    }

    private String name(long job, String part) {
        return PREFIX + run + "_" + job + "_" + part;
    }

    /**
     * Removes this JVM's blocks of the run that a job no longer needs when it keeps the blocks of job
     * {@code read} (the state its round started from) and of jobs from {@code liveFrom} on (its round's
     * own): those of earlier jobs, and those of a failed attempt at the round in between. Where nothing
     * failed, {@code liveFrom} is {@code read + 1}. Returns how many it removed.
     */
    int sweep(long read, long liveFrom) {
        return ByteBlocks.removeLocal(name -> {
            long of = jobOf(name);
            if (of < 0) {
                return false;
            }
            return isMoments(name) ? of < read - 2 : of < read || (of > read && of < liveFrom);
        });
    }

    /** The oldest job whose blocks (other than own moments, which are kept longer) {@code inputs} name. */
    long oldestRead(List<ByteBlocks.Ref> inputs) {
        return inputs.stream().map(ByteBlocks.Ref::name).filter(name -> !isMoments(name))
                .mapToLong(this::jobOf).min().orElseThrow(() -> new IllegalArgumentException("a job reads no blocks"));
    }

    private boolean isMoments(String name) {
        int end = name.indexOf('_', PREFIX.length() + run.length() + 1);
        return end > 0 && name.startsWith(MOMENTS, end + 1);
    }

    /** Removes all of this JVM's blocks of the run. */
    int sweepAll() {
        return ByteBlocks.removeLocal(name -> jobOf(name) >= 0);
    }

    /** The job that wrote block {@code name}, or -1 if it is not this run's. */
    long jobOf(String name) {
        String prefix = PREFIX + run + "_";
        if (!name.startsWith(prefix)) {
            return -1;
        }
        int end = name.indexOf('_', prefix.length());
        return end < 0 ? -1 : Long.parseLong(name.substring(prefix.length(), end));
    }
}
