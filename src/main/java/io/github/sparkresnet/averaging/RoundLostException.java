package io.github.sparkresnet.averaging;

import java.util.Set;

/**
 * An averaging round failed in a way that lost the state the workers shared (every executor holding
 * one of the averaged slices died): the epoch is redone from its start, which the driver holds.
 */
public final class RoundLostException extends RuntimeException {
    private final Set<String> lostExecutors;

    /** Lost with the executors {@code cause} names (none when it names none). */
    RoundLostException(String message, Throwable cause) {
        this(message, cause, RoundFailedException.lostIn(cause));
    }

    RoundLostException(String message, Throwable cause, Set<String> lostExecutors) {
        super(message, cause);
        this.lostExecutors = Set.copyOf(lostExecutors);
    }

    /** The executors whose loss took the state. */
    public Set<String> lostExecutors() {
        return lostExecutors;
    }
}
