/**
 * Training: the run's settings ({@code TrainConfig}), the epoch loop ({@code TrainingJob}: restore or
 * build, fit by averaging rounds, evaluate, commit), the two kinds of averaging (the all-reduce among
 * resident replicas, {@code AllReduceAveraging}, which averages the whole state or the parameters
 * only; dl4j-spark's master, {@code DriverAveraging}), the rounds' layout and placement, the run output root ({@code OutputRoot}, whose {@code --output} the commands share),
 * checkpoints, the run lease, learning-rate schedules and early stopping.
 *
 * <p>Imports: {@code data}, {@code eval}, {@code model}, {@code spark}; never {@code cli}.
 */
package io.github.sparkresnet.train;
