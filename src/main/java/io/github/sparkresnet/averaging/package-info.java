/**
 * Synchronous parameter averaging across Spark executors, and what happens when an executor goes.
 *
 * <p><b>A round.</b> An epoch's minibatches are laid out once ({@code Rounds}) and handed out a
 * round at a time: one partition of {@code averagingFrequency} minibatches per worker.
 * {@code Averaging} fits one round at a time; after it every worker's state is the mean over the workers that trained. Two kinds:
 * <ul>
 *   <li>{@code AllReduceAveraging} ({@code --averaging allreduce}): two Spark jobs a round. In the
 *       fit job each worker's task takes a network that stays in its JVM ({@code Replicas}), loads the
 *       averaged state into it, fits, and publishes its new state cut into one slice per worker
 *       ({@code ReplicaRound}). In the averaging job task {@code i} reads slice {@code i} of every
 *       worker, averages it ({@code SliceAverage}, {@code SliceMean}) and publishes the mean. The
 *       averaged state is then those slices, spread over the executors (a round's only worker
 *       publishes copies of its state as the mean in its fit job: the mean of one, without a job); the driver only sends block
 *       locations and reads the state when an epoch ends. With {@code --averaged parameters} each
 *       worker keeps its own Adam moments between rounds, its tasks asked to run where they are
 *       ({@code PlacedRounds}).</li>
 *   <li>{@code DriverAveraging} ({@code --averaging driver}): dl4j-spark's master, which broadcasts
 *       the state and averages on the driver every round.</li>
 * </ul>
 *
 * <p><b>Its blocks.</b> Slices and means are bytes in the executors' block managers, named by run,
 * job and slice ({@code RoundBlocks}); each job's tasks remove the blocks no later job reads, so a
 * run holds about two rounds' state at a time. {@code RoundCosts} and {@code SliceTraffic} count what
 * the rounds cost and what crossed the network; {@code MinibatchRecorder} (with {@code WorkerHook} for
 * dl4j-spark) and {@code ExecutorMemory} report the workers' loss, progress and memory through
 * accumulators.
 *
 * <p><b>Recovery.</b> The unit of recovery is the round. A failed task is re-run by Spark and
 * overwrites its replica's whole state, so it computes what the first attempt would have. The
 * averaged state outlives any one executor: every mean slice is stored with a copy on another
 * executor ({@code ByteBlocks} with Spark's block replication), and a round's jobs keep the state the
 * round started from. An executor lost during a round fails the round ({@code RoundFailedException}):
 * its job is cancelled, nothing of it counts, its minibatches go back in line ({@code Rounds}) and
 * the next round starts from that state with the workers there are ({@code Membership}: lost and
 * decommissioning executors leave, replacements join once ready: an executor starting during the run
 * builds and runs a replica before Spark offers it any task, {@code JoinPreparation}). Only when every holder of a
 * slice is lost is the state gone ({@code RoundLostException}): the caller rewinds the workers to
 * the recovery point, the driver's network, and fits the rounds since it again. The driver reads the
 * state at every epoch's end, and, while a slice has one holder left, every few rounds (a bounded
 * share of the time), so such a loss costs those rounds rather than the epoch.
 *
 * <p>Imports: {@code eval}, {@code spark}, {@code data}, {@code model}; never {@code train} or
 * {@code cli}.
 */
package io.github.sparkresnet.averaging;
