package io.github.sparkresnet.averaging;

/**
 * An averaging round failed in a way that lost state the workers shared (an executor that held
 * averaged slices died, or a round's tasks failed beyond Spark's retries): the epoch is redone from
 * its start, which the driver holds.
 */
public final class RoundLostException extends RuntimeException {
    RoundLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
