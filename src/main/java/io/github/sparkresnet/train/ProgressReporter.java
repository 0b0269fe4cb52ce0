package io.github.sparkresnet.train;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs in-epoch progress from the driver every few seconds: images done (as accumulators report them
 * at the end of each averaging round), throughput and time left in the epoch and the run.
 */
final class ProgressReporter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "training-progress");
        t.setDaemon(true);
        return t;
    });
    private final long start = System.nanoTime();
    private long lastReported = -1;

    ProgressReporter(int epoch, int epochs, long epochImages, int roundImages, LongSupplier imagesDone,
                     int progressSeconds) {
        timer.scheduleAtFixedRate(() -> {
            long done = imagesDone.getAsLong();
            if (done == lastReported || done == 0) {
                return;
            }
            lastReported = done;
            double seconds = (System.nanoTime() - start) / 1e9;
            double rate = done / seconds;
            double epochLeft = Math.max(0, epochImages - done) / rate;
            double runLeft = epochLeft + (epochs - epoch) * epochImages / rate;
            LOG.info(String.format("epoch %d/%d: %d/%d images (%.0f%%), round %d, %.1f img/s, epoch ETA %s, run ETA %s",
                    epoch, epochs, done, epochImages, 100.0 * done / epochImages, (done + roundImages - 1) / roundImages,
                    rate, duration(epochLeft), duration(runLeft)));
        }, progressSeconds, progressSeconds, TimeUnit.SECONDS);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
