package io.github.sparkresnet.averaging;

import java.util.List;

/**
 * What the all-reduce rounds of an epoch cost, for the log and the benchmarks: the wall time of its
 * jobs and tasks, and the state bytes the tasks read, from other workers' blocks and over the network.
 * Starting the workers from the driver's network (once a run, and after a lost round) is left out:
 * the figures are those of a round.
 */
final class RoundCosts {
    private int rounds;
    private int roundsAlone;
    private long averageNanos;
    private long fitJobNanos;
    private long fitTaskNanos;
    private long averageTaskNanos;
    private long loadNanos;
    private long fitNanos;
    private long publishNanos;
    private int reports;
    private SliceTraffic traffic = SliceTraffic.NONE;
    private boolean excluded;
    private int driverCopies;
    private long driverCopyNanos;

    void fitJob(long nanos, List<ReplicaRound.Report> reports) {
        rounds++;
        fitJobNanos += nanos;
        fitTaskNanos += reports.stream().mapToLong(r -> r.loadNanos() + r.fitNanos() + r.publishNanos()).max().orElse(0);
        for (ReplicaRound.Report r : reports) {
            traffic = traffic.plus(r.traffic());
            if (r.images() > 0) {
                this.reports++;
                loadNanos += r.loadNanos();
                fitNanos += r.fitNanos();
                publishNanos += r.publishNanos();
            }
        }
    }

    /** A copy of the state the driver took between rounds (while a slice had one holder). */
    void driverCopy(long nanos) {
        driverCopies++;
        driverCopyNanos += nanos;
    }

    /** A round whose one worker published the mean in its fit: no averaging job. */
    void meanPublishedByFit() {
        roundsAlone++;
    }

    void averageJob(long nanos) {
        averageNanos += nanos;
    }

    void averageTasks(List<SliceAverage.Report> reports) {
        if (excluded) {
            return;
        }
        averageTaskNanos += reports.stream().mapToLong(SliceAverage.Report::nanos).max().orElse(0);
        reports.forEach(r -> traffic = traffic.plus(r.traffic()));
    }

    /** Runs {@code work} without counting its averaging tasks. */
    <T> T excluded(java.util.function.Supplier<T> work) {
        excluded = true;
        try {
            return work.get();
        } finally {
            excluded = false;
        }
    }

    void reset() {
        rounds = 0;
        roundsAlone = 0;
        averageNanos = 0;
        fitJobNanos = 0;
        fitTaskNanos = 0;
        averageTaskNanos = 0;
        loadNanos = 0;
        fitNanos = 0;
        publishNanos = 0;
        reports = 0;
        traffic = SliceTraffic.NONE;
        driverCopies = 0;
        driverCopyNanos = 0;
    }

    /** One line on the rounds since the last reset, per worker and round; then resets. */
    String summaryAndReset(int workers) {
        if (rounds == 0) {
            return "";
        }
        double perWorkerRound = (double) workers * rounds;
        double n = Math.max(1, reports);
        String line = String.format("all-reduce: %d rounds x %d workers; a worker's task %.2f s loading the state, "
                        + "%.2f s fitting, %.2f s publishing; fit jobs %.2f s a round beyond their slowest worker (the "
                        + "epoch's data layout, scheduling, uneven workers); averaging jobs %.2f s a round (%.2f s in "
                        + "the slowest task); per worker and round "
                        + "%.0f MB of state read, %.0f MB of it from other workers, %.0f MB over the network",
                rounds, workers, loadNanos / 1e9 / n, fitNanos / 1e9 / n, publishNanos / 1e9 / n,
                (fitJobNanos - fitTaskNanos) / 1e9 / rounds, averageNanos / 1e9 / rounds, averageTaskNanos / 1e9 / rounds, traffic.read() / perWorkerRound / 1e6,
                traffic.fromPeers() / perWorkerRound / 1e6, traffic.overNetwork() / perWorkerRound / 1e6);
        if (roundsAlone > 0) {
            line += String.format("; %d of the rounds had one worker, which published the mean itself (no averaging "
                    + "job)", roundsAlone);
        }
        if (driverCopies > 0) {
            line += String.format("; the driver copied the state %d times (%.1f s in all)", driverCopies,
                    driverCopyNanos / 1e9);
        }
        reset();
        return line;
    }
}
