package io.github.sparkresnet.averaging;

/**
 * A round could not be averaged in (an executor was lost during it, or its tasks failed beyond
 * Spark's retries), but the state it started from survives: the round's minibatches are to be fitted
 * again from that state, with the workers there are then. Nothing of the round counts.
 */
public final class RoundFailedException extends RuntimeException {
    RoundFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
