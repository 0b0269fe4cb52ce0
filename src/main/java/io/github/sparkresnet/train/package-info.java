/**
 * Training: the run's settings ({@code TrainConfig}), the epoch loop ({@code TrainingJob}: restore or
 * build, fit by averaging rounds from {@code averaging}, evaluate, commit), the run output root
 * ({@code OutputRoot}, whose {@code --output} the commands share), checkpoints, the run lease,
 * learning-rate schedules and early stopping; the named recipes of option defaults shipped in the jar
 * ({@code Recipe}), which both ways in ({@code cli}, {@code ml}) take.
 *
 * <p>Imports: {@code averaging}, {@code data}, {@code eval}, {@code model}, {@code spark}; never
 * {@code cli}.
 */
package io.github.sparkresnet.train;
