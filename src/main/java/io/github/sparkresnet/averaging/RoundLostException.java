package io.github.sparkresnet.averaging;

/**
 * An averaging round failed in a way that lost the state the workers shared (every executor holding
 * one of the averaged slices died): the epoch is redone from its start, which the driver holds.
 */
public final class RoundLostException extends RuntimeException {
    RoundLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
