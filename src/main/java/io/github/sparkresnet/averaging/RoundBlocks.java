package io.github.sparkresnet.averaging;

import io.github.sparkresnet.spark.ByteBlocks;

import java.io.Serializable;

/**
 * The names of one run's all-reduce blocks, and their lifetime. Every Spark job of the run has a
 * sequence number; a job's blocks are read by the next job only (the workers' slices by the job that
 * averages them, the averaged slices by the next round's workers, or by the driver at the end of an
 * epoch), so a task of job {@code n} removes, in its own JVM, the blocks of jobs before {@code n - 1}.
 * The exception are a worker's own Adam moments when only parameters are averaged: published by its
 * fit in job {@code n}, read by its next fit (job {@code n + 2}) wherever that runs, or averaged after
 * the epoch's last round (job {@code n + 2} too); they are removed from job {@code n + 4} on.
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

    /** Slice {@code slice} of the driver's network, published before job {@code job} (seeding the workers). */
    String driverSlice(long job, int slice) {
        return name(job, "d" + slice);
    }

    private String name(long job, String part) {
        return PREFIX + run + "_" + job + "_" + part;
    }

    /** Removes this JVM's blocks of the run that no job from {@code job} on reads; returns how many. */
    int sweepBefore(long job) {
        return ByteBlocks.removeLocal(name -> {
            long of = jobOf(name);
            return of >= 0 && of < job - (isMoments(name) ? 3 : 1);
        });
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
