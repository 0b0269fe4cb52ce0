package io.github.sparkresnet.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.averaging.AllReduceAveraging;
import io.github.sparkresnet.averaging.Averaging;
import io.github.sparkresnet.averaging.DriverAveraging;
import io.github.sparkresnet.averaging.ExecutorMemory;
import io.github.sparkresnet.averaging.Membership;
import io.github.sparkresnet.averaging.MinibatchRecorder;
import io.github.sparkresnet.averaging.RoundFailedException;
import io.github.sparkresnet.averaging.RoundLostException;
import io.github.sparkresnet.averaging.Rounds;
import io.github.sparkresnet.data.ClassPair;
import io.github.sparkresnet.data.HeldOut;
import io.github.sparkresnet.data.ImageColumn;
import io.github.sparkresnet.data.ImageSource;
import io.github.sparkresnet.data.Minibatches;
import io.github.sparkresnet.data.Normalization;
import io.github.sparkresnet.eval.EpochMetrics;
import io.github.sparkresnet.eval.EvalResult;
import io.github.sparkresnet.eval.Evaluator;
import io.github.sparkresnet.eval.MetricsTable;
import io.github.sparkresnet.model.ResNet34;
import io.github.sparkresnet.model.ResNetConfig;
import io.github.sparkresnet.spark.ProcessMemory;
import io.github.sparkresnet.spark.SparkSessions;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training run, in steps: restore the last checkpoint or build the network
 * ({@code restoreOrBuild}); then for each epoch, fit it by synchronous parameter averaging across the
 * workers ({@code fitEpoch}, {@link Averaging}), score the held-out split on the driver
 * ({@code scoreEpoch}), and commit it ({@code commitEpoch}: the metrics row, the best and final
 * models, the checkpoint last, which is what makes resume exact).
 */
public final class TrainingJob {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingJob.class);
    private final SparkSession spark;
    private final TrainConfig config;
    private final ImageSource images;

    /** A run of the images its options name ({@code --data} or {@code --images}). */
    public TrainingJob(SparkSession spark, TrainConfig config) {
        this.spark = spark;
        this.config = config.validate();
        this.images = null;
    }

    /** A run of {@code images}, whatever the data options say (the Spark ML estimator's DataFrame). */
    public TrainingJob(SparkSession spark, TrainConfig config, ImageSource images) {
        this.spark = spark;
        this.config = config.validateTraining();
        this.images = images;
    }

    /** What a run will do, without doing it: the data counts and the resolved settings. */
    public record Plan(ImageSource source, ClassPair pair, Dataset<Row> train, Dataset<Row> test, int workers,
                       long trainImages, long testImages, Optional<Integer> resumeFrom, Dataset<Row> pairRows) {
        public int roundImages(TrainConfig c) {
            return workers * c.batchSizePerWorker * c.averagingFrequency;
        }

        public int roundsPerEpoch(TrainConfig c) {
            return (int) ((trainImages + roundImages(c) - 1) / roundImages(c));
        }

        /** What the epochs score: the test split, or the validation images {@code --validation-fraction} holds out. */
        public String scoredSplit(TrainConfig c) {
            return TrainingJob.scoredSplit(c, source);
        }

        public long minibatches(TrainConfig c) {
            return (trainImages + c.batchSizePerWorker - 1) / c.batchSizePerWorker;
        }

        /** Drops the pair's cached rows: for a caller whose session outlives the run (a notebook, the estimator). */
        public void release() {
            pairRows.unpersist();
        }
    }

    /** Loads and checks everything a run needs; {@code --dry-run} stops here. */
    public Plan plan() {
        ImageSource source = images != null ? images : config.data.source(spark.sparkContext().hadoopConfiguration());
        String shown = images != null ? source.location() : config.data.shown();
        ClassPair pair = ClassPair.parse(config.classes, source.classNames());
        // The pair's rows (12,000 CIFAR-10 images, ~36 MB) are read from storage once: the checks and
        // counts below, the test minibatches and every epoch's shuffle all start from this cache. On a
        // cluster each partition has a second copy on another executor, and a partition the averaged
        // state's blocks push out of memory goes to local disk: when an executor is lost, the rounds
        // that need its share of the rows (its epoch layout recomputed) find them cached instead of an
        // executor reading and decoding them from storage again (seconds, while the others wait).
        Dataset<Row> rows = pair.select(source.read(spark)).persist(spark.sparkContext().isLocal()
                ? StorageLevel.MEMORY_ONLY() : StorageLevel.MEMORY_AND_DISK_2());
        ImageColumn.requireDecoded(rows, source, shown);
        Dataset<Row> train = rows.filter(col("split").equalTo("train"));
        Dataset<Row> test = rows.filter(col("split").equalTo("test"));
        if (config.validationFraction > 0) {
            Column heldOut = HeldOut.validation(config.validationFraction);
            test = train.filter(heldOut).withColumn("split", lit("validation"));
            train = train.filter(not(heldOut));
        }
        train = limit(train, config.limitTrain);
        test = limit(test, config.evaluation.limitTest);
        long trainImages = train.count();
        long testImages = test.count();
        if (trainImages == 0 || testImages == 0) {
            throw new BadInputException(shown + ": the class pair " + pair + " has " + trainImages
                    + " training and " + testImages + " " + scoredSplit(config, source) + " records; expected some of each");
        }
        int workers = config.workers > 0 ? config.workers : SparkSessions.concurrentTaskSlots(spark.sparkContext());
        Checkpoints checkpoints = checkpoints();
        Optional<Integer> resumeFrom = Optional.empty();
        if (config.resume) {
            resumeFrom = checkpoints.latestEpoch();
            if (resumeFrom.isPresent() && resumeFrom.get() >= config.epochs) {
                LOG.info("run {} already has all {} epochs", config.runId, config.epochs);
            }
        } else if (checkpoints.exist()) {
            throw new BadInputException("--run-id " + config.runId + ": " + checkpoints.directory()
                    + " already holds checkpoints; pass --resume to continue that run, or choose another --run-id");
        }
        OutputCheck.writable(config.output.path, spark.sparkContext().hadoopConfiguration());
        return new Plan(source, pair, train, test, workers, trainImages, testImages, resumeFrom, rows);
    }

    private static String scoredSplit(TrainConfig c, ImageSource source) {
        return c.validationFraction > 0 ? "validation" : source.scoredSplit();
    }

    /** The first {@code n} records of a split in file order (0 = all), for quick runs. */
    private static Dataset<Row> limit(Dataset<Row> split, int n) {
        return n == 0 ? split : split.orderBy("source_file", "record_index").limit(n);
    }

    private Checkpoints checkpoints() {
        return new Checkpoints(config.output.path, config.runId, spark.sparkContext().hadoopConfiguration());
    }

    /**
     * Spark setting: seconds without a heartbeat after which another driver's lease on a run counts as
     * abandoned (a dead process on the same host is taken over at once).
     */
    public static final String LEASE_STALE_SECONDS = "spark.sparkresnet.lease.staleSeconds";

    /**
     * Spark setting: how many times an epoch may be fitted from one recovery point (its start, or a
     * later copy of the state the driver took) before losing the workers' shared state (every
     * executor holding part of it dying) fails the run ({@link RecoveryAttempts}). Default 3.
     */
    public static final String EPOCH_ATTEMPTS = "spark.sparkresnet.epochAttempts";

    /**
     * Spark setting: how many times in a row one round may fail for a reason no lost executor explains
     * (its tasks failing beyond Spark's retries) before the run stops. Each failure costs only that
     * round. Failures from lost executors are not counted: they stop the run when the round has not
     * been fitted within {@code --worker-wait} of its first failure. Default 8.
     */
    public static final String ROUND_ATTEMPTS = "spark.sparkresnet.roundAttempts";

    /** Trains every epoch not yet checkpointed; returns the final network. */
    public ComputationGraph run(Plan plan) {
        // One driver per run: taken before anything of the run is touched, held until it ends.
        Duration staleAfter = Duration.ofSeconds(spark.sparkContext().getConf().getLong(LEASE_STALE_SECONDS, 60));
        try (RunLease lease = RunLease.acquire(config.output.path, config.runId, staleAfter,
                spark.sparkContext().hadoopConfiguration())) {
            return run(plan, lease);
        }
    }

    private ComputationGraph run(Plan plan, RunLease lease) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Checkpoints checkpoints = checkpoints();
        MetricsTable metrics = config.output.metrics(spark);
        metrics.discardStaging(config.runId);
        checkpoints.discardUnfinished();
        Progress progress = restoreOrBuild(plan, checkpoints);
        ComputationGraph net = progress.net;
        if (progress.finished(config.epochs)) {
            return net;
        }
        List<DataSet> testBatches = Minibatches.inFixedOrder(plan.test(), config.evaluation.batchSize, Normalization.HALF)
                .collect();
        EpochCounters counters = new EpochCounters(jsc);
        LOG.info("run {}: {} train / {} {} images of {}, {} workers x batch {} x averaging every {} = {} images "
                        + "per round, {} rounds per epoch, {} averaging of the {}, epochs {}..{}", config.runId,
                plan.trainImages(), plan.testImages(), plan.scoredSplit(config), plan.pair(), plan.workers(), config.batchSizePerWorker,
                config.averagingFrequency, plan.roundImages(config), plan.roundsPerEpoch(config),
                config.averaging.name().toLowerCase(), config.averaged.name().toLowerCase(), progress.nextEpoch,
                config.epochs);
        try (Averaging averaging = averaging(jsc, net, plan.workers(), counters.recorder());
             Membership membership = new Membership(jsc.sc(), plan.workers())) {
            while (!progress.finished(config.epochs)) {
                int epoch = progress.nextEpoch;
                Instant start = Instant.now();
                counters.memory.reset();
                FittedEpoch fitted = fitEpoch(averaging, membership, plan, epoch, counters, checkpoints);
                String rounds = averaging.roundSummary();
                if (!rounds.isEmpty()) {
                    LOG.info("epoch {}: {}", epoch, rounds);
                }
                net = averaging.network();
                EpochMetrics row = scoreEpoch(net, epoch, start, fitted, plan, testBatches, counters, jsc,
                        checkpoints);
                lease.ensureHeld();
                commitEpoch(row, net, progress, metrics, checkpoints);
            }
        }
        LOG.info("run {} done: metrics in {}, final model {}", config.runId, metrics.path(),
                checkpoints.modelPath("final"));
        return net;
    }

    /** Where a run stands: the network to continue from and what the epochs so far decided. */
    private static final class Progress {
        ComputationGraph net;
        int nextEpoch = 1;
        double bestAccuracy = -1;
        EarlyStopping stopping;

        boolean finished(int epochs) {
            return nextEpoch > epochs || stopping.shouldStop();
        }
    }

    /** The last complete checkpoint's network and progress with {@code --resume}, else a new network. */
    private Progress restoreOrBuild(Plan plan, Checkpoints checkpoints) {
        Progress p = new Progress();
        p.stopping = new EarlyStopping(config.earlyStoppingPatience);
        if (plan.resumeFrom().isEmpty()) {
            p.net = ResNet34.build(modelConfig(plan));
            return p;
        }
        Checkpoints.Restored restored = checkpoints.restore(plan.resumeFrom().get(), config.identity());
        p.net = restored.net();
        p.nextEpoch = restored.epoch() + 1;
        p.bestAccuracy = Double.parseDouble(restored.info().getProperty("best_val_accuracy", "-1"));
        p.stopping = EarlyStopping.restore(config.earlyStoppingPatience, restored.info());
        if (p.stopping.shouldStop()) {
            LOG.info("run {} stopped early after epoch {}; nothing to resume", config.runId, restored.epoch());
        } else if (p.nextEpoch <= config.epochs) {
            LOG.info("resuming run {} after epoch {} ({})", config.runId, restored.epoch(), checkpoints.directory());
        }
        return p;
    }

    /**
     * Scores the epoch's network on the test split (on the driver) and makes the epoch's metrics row:
     * what training did, the scores, the settings, memory.
     */
    private EpochMetrics scoreEpoch(ComputationGraph net, int epoch, Instant start, FittedEpoch fitted, Plan plan,
                                    List<DataSet> testBatches, EpochCounters counters, JavaSparkContext jsc,
                                    Checkpoints checkpoints) {
        // the evaluator clips probabilities, so NaN parameters could still give a finite val_loss
        requireFinite("sum of the parameters", net.params().sumNumber().doubleValue(), epoch, "after averaging",
                checkpoints);
        counters.memory.measureRetained(jsc, plan.workers());
        EvalResult eval = Evaluator.evaluate(net, testBatches, plan.pair().names(), config.evaluation.tta);
        long seen = counters.examples.value();
        EpochMetrics.Training training = new EpochMetrics.Training(seen == 0 ? Double.NaN : counters.lossSum.value() / seen,
                seen, fitted.seconds(), fitted.rounds(), fitted.workersMin(), fitted.workersMax());
        EpochMetrics.Settings settings = new EpochMetrics.Settings(config.schedule().at(epoch - 1), plan.workers(),
                config.batchSizePerWorker, config.averagingFrequency, config.seed, plan.scoredSplit(config),
                config.asMap());
        return new EpochMetrics(config.runId, epoch, start, Instant.now(), eval, training, settings, versions(),
                counters.memory.usage(ProcessMemory.retained()));
    }

    /**
     * Commits an epoch: its metrics row first, then the best and final models, its checkpoint last.
     * The checkpoint is what marks an epoch done, so this order makes resume exact: a run killed or
     * failing anywhere in between redoes the epoch from the previous checkpoint and replaces its row
     * and models, so the table never holds two rows, or none, for an epoch, and a final model is
     * never missing once the last checkpoint exists.
     */
    private void commitEpoch(EpochMetrics row, ComputationGraph net, Progress progress, MetricsTable metrics,
                             Checkpoints checkpoints) {
        int epoch = row.epoch();
        EvalResult eval = row.eval();
        metrics.write(row);
        byte[] model = Checkpoints.serialize(net);
        boolean best = eval.accuracy() > progress.bestAccuracy;
        progress.bestAccuracy = Math.max(progress.bestAccuracy, eval.accuracy());
        progress.stopping.record(eval.meanLoss());
        progress.nextEpoch = epoch + 1;
        Properties info = sidecar(epoch, eval.accuracy(), progress.bestAccuracy, eval.classNames());
        progress.stopping.describe(info);
        if (best) {
            checkpoints.saveModel("best", model, info);
        }
        if (progress.finished(config.epochs)) {
            checkpoints.saveModel("final", model, info);
        }
        checkpoints.save(epoch, model, info);
        checkpoints.prune(config.keepCheckpoints);
        LOG.info(row.summary(config.epochs) + (best ? " (best so far)" : ""));
        if (progress.stopping.shouldStop() && epoch < config.epochs) {
            LOG.info("run {}: stopping early after epoch {}: {}", config.runId, epoch, progress.stopping);
        }
    }

    /**
     * Stops the run when a loss is NaN or infinite: parameters that produced one are garbage, and
     * training on would only write garbage checkpoints. Nothing of the epoch has been written yet.
     */
    private void requireFinite(String what, double value, int epoch, String where, Checkpoints checkpoints) {
        if (Double.isFinite(value)) {
            return;
        }
        String lastGood = checkpoints.latestEpoch()
                .map(e -> "the last good checkpoint is epoch " + e + " in " + checkpoints.directory()
                        + "; continue from it with --resume (with a lower --learning-rate)")
                .orElse("no epoch completed, so there is no checkpoint to resume from");
        throw new TrainingDivergedException("run " + config.runId + " diverged: the " + what + " is " + value
                + " in epoch " + epoch + " (" + where + "); stopped without writing that epoch; " + lastGood);
    }

    /** What fitting an epoch took: seconds (failed attempts included), rounds averaged, fewest and most workers. */
    private record FittedEpoch(double seconds, int rounds, int workersMin, int workersMax) {
    }

    /**
     * Fits one epoch: its minibatches freshly shuffled (seeded by the epoch), cut into rounds
     * ({@link Rounds}), each fitted at the schedule's rate for that point of the epoch, with as many
     * workers as the executors allow ({@link #workersForNextRound}). A round that fails
     * ({@link RoundFailedException}: an executor lost during it) is fitted again from the state it
     * started from, its minibatches back in line; a round that loses that state
     * ({@link RoundLostException}) sends the epoch back to the recovery point the averaging keeps
     * ({@link Averaging#rewind()}: the epoch's start, or a later copy), and the rounds since are fitted
     * again, with the same minibatches. Ends with the averaged network on the driver
     * ({@link Averaging#network()}).
     */
    private FittedEpoch fitEpoch(Averaging averaging, Membership membership, Plan plan, int epoch,
                                 EpochCounters counters, Checkpoints checkpoints) {
        // Full minibatches in one shuffled sequence (one partition: a pair is <= 12,000 images),
        // then laid out in rounds of one partition per worker (see Rounds).
        JavaRDD<DataSet> batches = Minibatches.shuffled(plan.train(), config.batchSizePerWorker, 1,
                config.seed * 1_000_003L + epoch, Normalization.HALF, config.augment, config.labelSmoothing);
        LearningRateSchedule schedule = config.schedule();
        long t0 = System.nanoTime();
        int roundAttempts = Math.max(1, spark.sparkContext().getConf().getInt(ROUND_ATTEMPTS, 8));
        RecoveryAttempts recoveries = new RecoveryAttempts(spark.sparkContext().getConf().getInt(EPOCH_ATTEMPTS, 3),
                System.nanoTime());
        try (Rounds rounds = new Rounds(batches, plan.minibatches(config), plan.workers(), config.averagingFrequency,
                StorageLevel.fromString(config.storageLevel))) {
            counters.startEpoch();
            List<Rounds.Round> averaged = new ArrayList<>(); // the rounds averaged in, in order
            int fewest = Integer.MAX_VALUE;
            int most = 0;
            RoundFailedException failed = null;
            double failedAfter = 0;
            long failedAt = 0;
            long firstFailedAt = 0;
            int failures = 0;
            int losses = 0;
            try (ProgressReporter progress = new ProgressReporter(epoch, config.epochs, plan.trainImages(),
                    plan.roundImages(config), counters.examples::value, config.progressSeconds)) {
                while (true) {
                    Rounds.Round round = null;
                    try {
                        if (rounds.done()) {
                            averaging.network(); // the driver gathers the epoch's state while the workers still hold it
                            return new FittedEpoch((System.nanoTime() - t0) / 1e9, averaged.size(), fewest, most);
                        }
                        int done = averaged.size();
                        int workers = workersForNextRound(averaging, membership, plan, epoch, done, failed, failedAfter);
                        failed = null;
                        round = rounds.next(workers);
                        long roundStart = System.nanoTime();
                        try {
                            averaging.fitRound(round.minibatches(), schedule.at(epoch - 1 + round.position()));
                        } catch (RoundFailedException e) {
                            rounds.putBack(round);
                            failed = e;
                            failedAt = System.nanoTime();
                            failedAfter = (failedAt - roundStart) / 1e9;
                            if (failures + losses == 0) {
                                firstFailedAt = failedAt;
                            }
                            // A lost executor says nothing about the round: those failures are bounded in
                            // time, like a wait for executors; failures no loss explains, in number.
                            if (e.executorLost()) {
                                losses++;
                                double trying = (failedAt - firstFailedAt) / 1e9;
                                if (trying > config.workerWaitSeconds) {
                                    throw new EpochLostException(String.format(java.util.Locale.ROOT, "run %s: round %d "
                                            + "of epoch %d failed %d times in %.0f s, each time as an executor it ran on "
                                            + "was lost (the last: %s): executors did not stay up for one round within "
                                            + "--worker-wait %d s. Completed epochs are checkpointed: continue with "
                                            + "--resume once executors stay up, or wait longer with --worker-wait",
                                            config.runId, done + 1, epoch, failures + losses, trying, e.getMessage(),
                                            config.workerWaitSeconds), e);
                                }
                            } else if (++failures >= roundAttempts) {
                                throw new EpochLostException("run " + config.runId + ": round " + (done + 1) + " of epoch "
                                        + epoch + " failed " + failures + " times in a row (the last: " + e.getMessage()
                                        + "). Completed epochs are checkpointed: continue with --resume, or allow more "
                                        + "tries with " + ROUND_ATTEMPTS, e);
                            }
                            continue;
                        }
                        if (failures + losses > 0) {
                            LOG.info("round {} of epoch {} fitted again with {} of {} workers, {} s after it failed",
                                    done + 1, epoch, round.workers(), plan.workers(), String.format(java.util.Locale.ROOT,
                                            "%.1f", (System.nanoTime() - failedAt) / 1e9));
                        }
                        failures = 0;
                        losses = 0;
                        averaged.add(round);
                        fewest = Math.min(fewest, round.workers());
                        most = Math.max(most, round.workers());
                        requireFinite("training loss", counters.lossSum.value(), epoch, "averaging round "
                                + averaged.size() + " of " + rounds.count(), checkpoints);
                    } catch (RoundLostException e) {
                        if (round != null) {
                            rounds.putBack(round);
                        }
                        int undone = averaging.rewind();
                        stateLost(e, epoch, averaged.size(), undone, recoveries);
                        for (int k = 0; k < undone; k++) {
                            rounds.putBack(averaged.remove(averaged.size() - 1));
                        }
                        failed = null;
                        failures = 0;
                        losses = 0;
                    }
                }
            }
        }
    }

    /**
     * Says that the state was lost after {@code done} rounds and the epoch goes back {@code undone}
     * rounds, to its recovery point; fails the run when that was the last attempt allowed from there.
     */
    private void stateLost(RoundLostException e, int epoch, int done, int undone, RecoveryAttempts recoveries) {
        int from = done - undone;
        boolean again = recoveries.lost(from, System.nanoTime());
        String fromWhere = from == 0 ? "" : " from round " + from + "'s state";
        if (!again) {
            throw new EpochLostException("run " + config.runId + ": epoch " + epoch + " lost the workers' shared state in "
                    + "all " + recoveries.allowed() + " attempts" + fromWhere + " (they lasted " + recoveries.lasted()
                    + "; the last: " + e.getMessage() + "). Completed epochs are checkpointed: continue with --resume "
                    + "once executors stay up for one attempt, or allow more attempts with " + EPOCH_ATTEMPTS, e);
        }
        if (from == 0) {
            LOG.warn("epoch {}: {}; starting the epoch again from its beginning (attempt {} of {})", epoch,
                    e.getMessage(), recoveries.next(), recoveries.allowed());
        } else {
            LOG.warn("epoch {}: {}; back to round {}'s state, which the driver kept: {} fitted again (attempt {} of {} "
                            + "from there)", epoch, e.getMessage(), from, undone == 0 ? "no round"
                            : undone == 1 ? "round " + done : "rounds " + (from + 1) + " to " + done,
                    recoveries.next(), recoveries.allowed());
        }
    }

    /**
     * The workers the next round of the epoch gets ({@link Membership#workers}; always the planned
     * number with {@code --averaging driver}), waiting up to {@code --worker-wait} while fewer than
     * {@code --min-workers} are possible. Says in one line each what changed since the last round: an
     * executor lost (with the round it failed, {@code failed}), joined, or being decommissioned.
     */
    private int workersForNextRound(Averaging averaging, Membership membership, Plan plan, int epoch, int done,
                                    RoundFailedException failed, double failedAfter) {
        int workers = membershipEvents(averaging, membership, plan, epoch, done, failed, failedAfter);
        int minimum = Math.min(config.minWorkers, plan.workers());
        if (workers < minimum) {
            LOG.warn("epoch {}: {} of {} workers, fewer than --min-workers {}: waiting up to {} s for executors", epoch,
                    workers, plan.workers(), minimum, config.workerWaitSeconds);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.workerWaitSeconds);
            while (workers < minimum && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for executors", e);
                }
                // executors that register meanwhile are prepared and join as they would between rounds
                workers = membershipEvents(averaging, membership, plan, epoch, done, null, 0);
            }
            if (workers < minimum) {
                throw new EpochLostException("run " + config.runId + ": epoch " + epoch + " had " + workers + " of "
                        + plan.workers() + " workers for " + config.workerWaitSeconds + " s, fewer than --min-workers "
                        + minimum + ". Completed epochs are checkpointed: continue with --resume once executors are "
                        + "back, or lower --min-workers", failed);
            }
            LOG.info("epoch {}: {} of {} workers from round {}", epoch, workers, plan.workers(), done + 1);
        }
        return workers;
    }

    /**
     * Takes what changed in the membership since the last call, says it in one line each (an executor
     * lost, with the round it failed, {@code failed}; joined; or being decommissioned), has executors
     * that registered prepared to join, and returns the workers the next round can have.
     */
    private int membershipEvents(Averaging averaging, Membership membership, Plan plan, int epoch, int done,
                                 RoundFailedException failed, double failedAfter) {
        Membership.Events events = membership.drain();
        boolean elastic = config.averaging == Averaging.Kind.ALLREDUCE;
        for (Membership.Arrival arrival : events.arrived()) {
            if (elastic) { // it joins once prepared, while the rounds go on
                membership.preparing(arrival.id(), averaging.prepare(arrival.id()));
            } else {
                LOG.info("executor {} joined: {} workers from round {} of epoch {}", arrival.id(), plan.workers(),
                        done + 1, epoch);
            }
        }
        int workers = elastic ? membership.workers() : plan.workers();
        String from = done == 0 ? "the epoch's start" : "round " + done + "'s state";
        for (Membership.Lost lost : events.lost()) {
            boolean failedIt = failed != null && failed.lostExecutors().contains(lost.id());
            if (lost.decommissioned() && !failedIt) {
                LOG.info("executor {} left, decommissioned, after round {} of epoch {}: {} of {} workers from {}",
                        lost.id(), done, epoch, workers, plan.workers(), from);
                continue;
            }
            String when = failedIt ? String.format(java.util.Locale.ROOT, "in round %d of epoch %d (%.1f s into it)",
                    done + 1, epoch, failedAfter) : "after round " + done + " of epoch " + epoch;
            LOG.warn("executor {} lost {}: continuing with {} of {} workers from {} ({})", lost.id(), when, workers,
                    plan.workers(), from, lost.reason());
        }
        if (failed != null && events.lost().stream().noneMatch(l -> failed.lostExecutors().contains(l.id()))) {
            LOG.warn("round {} of epoch {} failed ({} s into it): {}; fitting it again with {} of {} workers from {}",
                    done + 1, epoch, String.format(java.util.Locale.ROOT, "%.1f", failedAfter), failed.getMessage(), workers, plan.workers(), from);
        }
        for (String id : events.decommissioning()) {
            LOG.info("executor {} is being decommissioned: {} of {} workers from round {} of epoch {}", id, workers,
                    plan.workers(), done + 1, epoch);
        }
        for (Membership.Joined joined : events.joined()) {
            LOG.info("executor {} joined: {} of {} workers from round {} of epoch {}{}", joined.id(), workers,
                    plan.workers(), done + 1, epoch, joined.howReady().isEmpty() ? "" : " (" + joined.howReady() + ")");
        }
        return workers;
    }

    private Averaging averaging(JavaSparkContext jsc, ComputationGraph net, int workers, MinibatchRecorder recorder) {
        return switch (config.averaging) {
            case ALLREDUCE -> new AllReduceAveraging(jsc, net, workers, config.averagingFrequency, config.averaged,
                    config.batchSizePerWorker, recorder);
            case DRIVER -> new DriverAveraging(jsc, net, config.driverAveraging(), workers, recorder);
        };
    }

    /** What the workers report during an epoch: loss, images, memory (accumulators). */
    private static final class EpochCounters {
        final DoubleAccumulator lossSum;
        final LongAccumulator examples;
        final ExecutorMemory memory;

        EpochCounters(JavaSparkContext jsc) {
            lossSum = jsc.sc().doubleAccumulator("train loss sum");
            examples = jsc.sc().longAccumulator("train examples");
            memory = new ExecutorMemory().register(jsc.sc());
        }

        MinibatchRecorder recorder() {
            return new MinibatchRecorder(lossSum, examples, memory);
        }

        /** Before an epoch, or its redo: loss and images restart; memory peaks stand. */
        void startEpoch() {
            lossSum.reset();
            examples.reset();
        }
    }

    private ResNetConfig modelConfig(Plan plan) {
        return ResNetConfig.cifarPair()
                .withClasses(plan.pair().names().size())
                .withBiasedBlockConvs(config.biasedBlockConvs)
                .withLearningRate(config.learningRate)
                .withStem(config.stem)
                .withWeightDecay(config.weightDecay)
                .withSeed(config.seed);
    }

    private Properties sidecar(int epoch, double accuracy, double bestAccuracy, List<String> classNames) {
        Properties p = new Properties();
        config.asMap().forEach(p::setProperty);
        p.setProperty("class_names", String.join(",", classNames)); // --classes may give label indices
        p.setProperty("epoch", Integer.toString(epoch));
        p.setProperty("val_accuracy", Double.toString(accuracy));
        p.setProperty("best_val_accuracy", Double.toString(bestAccuracy));
        return p;
    }

    /** Library versions that shape results, stored with every metrics row (evaluate's too). */
    public static Map<String, String> versions() {
        Map<String, String> v = new LinkedHashMap<>();
        String own = TrainingJob.class.getPackage().getImplementationVersion();
        v.put("spark_resnet", own == null ? "dev" : own);
        v.put("spark", org.apache.spark.package$.MODULE$.SPARK_VERSION());
        v.put("dl4j", "1.0.0-M2.1");
        v.put("java", System.getProperty("java.version"));
        v.put("nd4j_backend", org.nd4j.linalg.factory.Nd4j.getExecutioner().getEnvironmentInformation()
                .getProperty("backend", "?"));
        return v;
    }
}
