package io.github.sparkresnet.train;

import java.io.Serializable;

/**
 * The learning rate at any point of a run, set on the network before every averaging round (the
 * workers receive it with the parameters). Progress is measured in epochs, fractional within one:
 * 1.5 is the middle of epoch 2.
 *
 * <ul>
 *   <li>{@code constant}: the base rate throughout (the reference experiment).</li>
 *   <li>{@code step}: the base rate times {@code gamma} after every {@code stepEpochs} epochs.</li>
 *   <li>{@code cosine}: from the base rate down to 0 along half a cosine over the run.</li>
 * </ul>
 * A linear warm-up over the first {@code warmupEpochs} epochs precedes any of them.
 */
public record LearningRateSchedule(Kind kind, double base, int epochs, double warmupEpochs, int stepEpochs,
                                   double gamma) implements Serializable {

    public enum Kind { CONSTANT, STEP, COSINE }

    /** The rate after {@code progress} epochs of training (0 = the very start). */
    public double at(double progress) {
        if (warmupEpochs > 0 && progress < warmupEpochs) {
            return base * Math.max(progress, 0.01) / warmupEpochs;
        }
        double after = progress - warmupEpochs;
        return switch (kind) {
            case CONSTANT -> base;
            case STEP -> base * Math.pow(gamma, Math.floor(after / stepEpochs));
            case COSINE -> {
                double span = Math.max(Double.MIN_NORMAL, epochs - warmupEpochs); // > 0: --epochs exceeds the warm-up
                yield base * 0.5 * (1 + Math.cos(Math.PI * Math.min(after, span) / span));
            }
        };
    }
}
