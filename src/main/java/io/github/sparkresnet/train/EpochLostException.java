package io.github.sparkresnet.train;

/**
 * Executors kept dying: every attempt the run allows at one epoch lost state the workers shared.
 * Nothing of the epoch was written; completed epochs are checkpointed, so {@code --resume} continues
 * once the cluster holds its executors long enough for one attempt.
 */
public final class EpochLostException extends RuntimeException {
    EpochLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
