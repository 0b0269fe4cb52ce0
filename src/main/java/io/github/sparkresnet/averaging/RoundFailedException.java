package io.github.sparkresnet.averaging;

import java.util.Set;

/**
 * A round could not be averaged in (an executor was lost during it, or its tasks failed beyond
 * Spark's retries), but the state it started from survives: the round's minibatches are to be fitted
 * again from that state, with the workers there are then. Nothing of the round counts.
 * {@link #lostExecutors()} tells the two causes apart: a loss says nothing about the round itself.
 */
public final class RoundFailedException extends RuntimeException {
    private final Set<String> lostExecutors;

    RoundFailedException(String message, Throwable cause, Set<String> lostExecutors) {
        super(message, cause);
        this.lostExecutors = Set.copyOf(lostExecutors);
    }

    /** The executors whose loss failed the round (ran its tasks, or held blocks it reads); empty for other causes. */
    public Set<String> lostExecutors() {
        return lostExecutors;
    }

    /** True when the round failed because an executor it ran on, or read from, was lost. */
    public boolean executorLost() {
        return !lostExecutors.isEmpty();
    }

    /** The executors lost in {@code e} or the first failed round among its causes; empty when none. */
    static Set<String> lostIn(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof RoundFailedException failed) {
                return failed.lostExecutors;
            }
            if (c instanceof RoundLostException lost && !lost.lostExecutors().isEmpty()) {
                return lost.lostExecutors();
            }
        }
        return Set.of();
    }
}
