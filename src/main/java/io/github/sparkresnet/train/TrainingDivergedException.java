package io.github.sparkresnet.train;

/**
 * The loss became NaN or infinite: the network's parameters are lost for this epoch. Thrown before
 * anything of the epoch is written, so the last checkpoint on disk is the last good one.
 */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
