package io.github.sparkresnet.train;

/**
 * An epoch's attempts from its recovery point ({@value TrainingJob#EPOCH_ATTEMPTS}): each loss of the
 * workers' shared state sends the epoch back to the driver's last copy of it (round 0: the epoch's
 * start) and ends an attempt from there. A loss that goes back to a later round than the last one
 * did (the run got past a newer copy) counts from one again, so the run stops only when it cannot
 * get past one recovery point as many times as allowed; at the epoch's start, that is the epoch's
 * attempts as before there were copies during an epoch.
 */
final class RecoveryAttempts {
    private final int allowed;
    private final StringBuilder lasted = new StringBuilder();
    private int point;
    private int failed;
    private long since;

    /** {@code allowed} attempts from each recovery point; the first starts at {@code nowNanos}. */
    RecoveryAttempts(int allowed, long nowNanos) {
        this.allowed = Math.max(1, allowed);
        this.since = nowNanos;
    }

    /**
     * The state was lost at {@code nowNanos} and the epoch goes back to round {@code point}; returns
     * false when that was the last attempt allowed from there.
     */
    boolean lost(int point, long nowNanos) {
        if (point != this.point) {
            this.point = point;
            failed = 0;
            lasted.setLength(0);
        }
        failed++;
        lasted.append(lasted.length() == 0 ? "" : ", ").append(String.format(java.util.Locale.ROOT, "%.0f s",
                (nowNanos - since) / 1e9));
        since = nowNanos;
        return failed < allowed;
    }

    /** The round the epoch goes back to (0: its start). */
    int point() {
        return point;
    }

    /** The attempt from there that starts now (after {@link #lost}). */
    int next() {
        return failed + 1;
    }

    int allowed() {
        return allowed;
    }

    /** How long each attempt from the current recovery point lasted, e.g. "20 s, 19 s". */
    String lasted() {
        return lasted.toString();
    }
}
