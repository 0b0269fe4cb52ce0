package io.github.sparkresnet.train;

import static org.apache.spark.sql.functions.col;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.data.CifarReader;
import io.github.sparkresnet.data.CifarSource;
import io.github.sparkresnet.data.ClassPair;
import io.github.sparkresnet.data.Minibatches;
import io.github.sparkresnet.data.Normalization;
import io.github.sparkresnet.eval.EpochMetrics;
import io.github.sparkresnet.eval.EvalResult;
import io.github.sparkresnet.eval.Evaluator;
import io.github.sparkresnet.eval.MemoryUsage;
import io.github.sparkresnet.eval.MetricsTable;
import io.github.sparkresnet.model.ResNet34;
import io.github.sparkresnet.model.ResNetConfig;
import io.github.sparkresnet.spark.ProcessMemory;
import io.github.sparkresnet.spark.SparkSessions;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training run: for each epoch, fit by synchronous parameter averaging across the workers, score
 * the held-out split on the driver, write the epoch's metrics row, then commit the checkpoint.
 *
 * <p>Order matters for resume: the metrics row is written before the checkpoint, so a run killed in
 * between redoes that epoch from the previous checkpoint and replaces (never duplicates) its row.
 */
public final class TrainingJob {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingJob.class);
    private final SparkSession spark;
    private final TrainConfig config;

    public TrainingJob(SparkSession spark, TrainConfig config) {
        this.spark = spark;
        this.config = config.validate();
    }

    /** What a run will do, without doing it: the data counts and the resolved settings. */
    public record Plan(CifarSource source, ClassPair pair, Dataset<Row> train, Dataset<Row> test, int workers,
                       long trainImages, long testImages, Optional<Integer> resumeFrom) {
        public int roundImages(TrainConfig c) {
            return workers * c.batchSizePerWorker() * c.averagingFrequency();
        }

        public int roundsPerEpoch(TrainConfig c) {
            return (int) ((trainImages + roundImages(c) - 1) / roundImages(c));
        }

        public long minibatches(TrainConfig c) {
            return (trainImages + c.batchSizePerWorker() - 1) / c.batchSizePerWorker();
        }
    }

    /** Loads and checks everything a run needs; {@code --dry-run} stops here. */
    public Plan plan() {
        CifarSource source = CifarSource.resolve(config.data(), spark.sparkContext().hadoopConfiguration());
        ClassPair pair = ClassPair.parse(config.classes(), source.classNames());
        // The pair's rows (12,000 images, ~36 MB) are read from storage once: the counts below, the test
        // minibatches and every epoch's shuffle all start from this cache.
        Dataset<Row> rows = pair.select(CifarReader.read(spark, source)).persist(StorageLevel.MEMORY_ONLY());
        Dataset<Row> train = limit(rows.filter(col("split").equalTo("train")), config.limitTrain());
        Dataset<Row> test = limit(rows.filter(col("split").equalTo("test")), config.limitTest());
        long trainImages = train.count();
        long testImages = test.count();
        if (trainImages == 0 || testImages == 0) {
            throw new BadInputException("--data " + config.data() + ": the class pair " + pair + " has " + trainImages
                    + " training and " + testImages + " test records; expected some of each");
        }
        int workers = config.workers() > 0 ? config.workers() : SparkSessions.concurrentTaskSlots(spark.sparkContext());
        Checkpoints checkpoints = checkpoints();
        Optional<Integer> resumeFrom = Optional.empty();
        if (config.resume()) {
            resumeFrom = checkpoints.latestEpoch();
            if (resumeFrom.isPresent() && resumeFrom.get() >= config.epochs()) {
                LOG.info("run {} already has all {} epochs", config.runId(), config.epochs());
            }
        } else if (checkpoints.exist()) {
            throw new BadInputException("--run-id " + config.runId() + ": " + checkpoints.directory()
                    + " already holds checkpoints; pass --resume to continue that run, or choose another --run-id");
        }
        OutputCheck.writable(config.output(), spark.sparkContext().hadoopConfiguration());
        return new Plan(source, pair, train, test, workers, trainImages, testImages, resumeFrom);
    }

    /** The first {@code n} records of a split in file order (0 = all), for quick runs. */
    private static Dataset<Row> limit(Dataset<Row> split, int n) {
        return n == 0 ? split : split.orderBy("source_file", "record_index").limit(n);
    }

    private Checkpoints checkpoints() {
        return new Checkpoints(config.output(), config.runId(), spark.sparkContext().hadoopConfiguration());
    }

    /** Trains every epoch not yet checkpointed; returns the final network. */
    public ComputationGraph run(Plan plan) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Checkpoints checkpoints = checkpoints();
        MetricsTable metrics = new MetricsTable(spark, config.output());
        metrics.discardStaging(config.runId());
        checkpoints.discardUnfinished();
        List<String> classNames = plan.pair().names();

        int firstEpoch = 1;
        double bestAccuracy = -1;
        EarlyStopping stopping = new EarlyStopping(config.earlyStoppingPatience());
        ComputationGraph net;
        if (plan.resumeFrom().isPresent()) {
            Checkpoints.Restored restored = checkpoints.restore(plan.resumeFrom().get(), config.identity());
            net = restored.net();
            firstEpoch = restored.epoch() + 1;
            bestAccuracy = Double.parseDouble(restored.info().getProperty("best_val_accuracy", "-1"));
            stopping = EarlyStopping.restore(config.earlyStoppingPatience(), restored.info());
            if (stopping.shouldStop()) {
                LOG.info("run {} stopped early after epoch {}; nothing to resume", config.runId(), restored.epoch());
                return net;
            }
            LOG.info("resuming run {} after epoch {} ({})", config.runId(), restored.epoch(), checkpoints.directory());
        } else {
            net = ResNet34.build(modelConfig(plan));
        }
        if (firstEpoch > config.epochs()) {
            return net;
        }

        List<DataSet> testBatches = Minibatches.inOrder(plan.test(), config.evalBatchSize(), Normalization.HALF).collect();
        DoubleAccumulator lossSum = jsc.sc().doubleAccumulator("train loss sum");
        LongAccumulator examples = jsc.sc().longAccumulator("train examples");
        ExecutorMemory executorMemory = new ExecutorMemory().register(jsc.sc());
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(plan.workers(),
                config.batchSizePerWorker())
                .batchSizePerWorker(config.batchSizePerWorker())
                .averagingFrequency(config.averagingFrequency())
                .workerPrefetchNumBatches(config.prefetch())
                .aggregationDepth(config.aggregationDepth())
                .repartionData(Repartition.Never) // Rounds hands over each round already partitioned
                .rddTrainingApproach(config.approach())
                .storageLevel(StorageLevel.fromString(config.storageLevel()))
                .saveUpdater(true)
                .rngSeed(config.seed())
                .trainingHooks(new WorkerHook(lossSum, examples, executorMemory))
                .collectTrainingStats(collectStats())
                .build();
        SparkComputationGraph sparkNet = new SparkComputationGraph(jsc, net, master);
        LOG.info("run {}: {} train / {} test images of {}, {} workers x batch {} x averaging every {} = {} images "
                        + "per round, {} rounds per epoch, epochs {}..{}", config.runId(), plan.trainImages(),
                plan.testImages(), plan.pair(), plan.workers(), config.batchSizePerWorker(),
                config.averagingFrequency(), plan.roundImages(config), plan.roundsPerEpoch(config), firstEpoch,
                config.epochs());

        LearningRateSchedule schedule = config.schedule();
        for (int epoch = firstEpoch; epoch <= config.epochs(); epoch++) {
            Instant start = Instant.now();
            lossSum.reset();
            examples.reset();
            executorMemory.reset();
            // Full minibatches in one shuffled sequence (one partition: a pair is <= 12,000 images),
            // then cut into rounds that dl4j-spark fits without dropping any (see Rounds).
            JavaRDD<DataSet> batches = Minibatches.shuffled(plan.train(), config.batchSizePerWorker(), 1,
                    config.seed() * 1_000_003L + epoch, Normalization.HALF, config.augment())
                    .persist(StorageLevel.fromString(config.storageLevel()));
            Rounds rounds = new Rounds(batches, plan.minibatches(config), plan.workers(), config.averagingFrequency());
            long t0 = System.nanoTime();
            try (ProgressReporter progress = new ProgressReporter(epoch, config.epochs(), plan.trainImages(),
                    plan.roundImages(config), examples::value, config.progressSeconds())) {
                for (int r = 0; r < rounds.count(); r++) {
                    // the workers get the rate with the parameters broadcast for the round
                    sparkNet.getNetwork().setLearningRate(schedule.at(epoch - 1 + (double) r / rounds.count()));
                    sparkNet.fit(rounds.round(r));
                    requireFinite("training loss", lossSum.value(), epoch, "averaging round " + (r + 1) + " of "
                            + rounds.count(), checkpoints);
                }
            } finally {
                batches.unpersist(false);
            }
            double trainSeconds = (System.nanoTime() - t0) / 1e9;
            if (collectStats()) {
                LOG.info("dl4j-spark stats:\n{}", sparkNet.getSparkTrainingStats().statsAsString());
            }
            net = sparkNet.getNetwork();
            long seen = examples.value();
            double trainLoss = seen == 0 ? Double.NaN : lossSum.value() / seen;
            // the evaluator clips probabilities, so NaN parameters could still give a finite val_loss
            requireFinite("sum of the parameters", net.params().sumNumber().doubleValue(), epoch,
                    "after averaging", checkpoints);
            executorMemory.measureRetained(jsc, plan.workers());
            EvalResult eval = Evaluator.evaluate(net, testBatches, classNames, config.tta());
            MemoryUsage memory = executorMemory.usage(ProcessMemory.retained());
            EpochMetrics row = EpochMetrics.of(config.runId(), epoch, start, Instant.now(), trainLoss, eval, seen,
                    trainSeconds, plan.roundsPerEpoch(config), schedule.at(epoch - 1), plan.workers(),
                    config.batchSizePerWorker(), config.averagingFrequency(), config.seed(), versions(), memory);
            metrics.write(row);
            byte[] model = Checkpoints.serialize(net);
            boolean best = eval.accuracy() > bestAccuracy;
            bestAccuracy = Math.max(bestAccuracy, eval.accuracy());
            stopping.record(eval.meanLoss());
            boolean last = epoch == config.epochs() || stopping.shouldStop();
            Properties info = sidecar(epoch, eval.accuracy(), bestAccuracy);
            stopping.describe(info);
            if (best) {
                checkpoints.saveModel("best", model, info);
            }
            checkpoints.save(epoch, model, info);
            checkpoints.prune(config.keepCheckpoints());
            if (last) {
                checkpoints.saveModel("final", model, info);
            }
            LOG.info(row.summary(config.epochs()) + (best ? " (best so far)" : ""));
            if (stopping.shouldStop() && epoch < config.epochs()) {
                LOG.info("run {}: stopping early after epoch {}: {}", config.runId(), epoch, stopping);
                break;
            }
        }
        LOG.info("run {} done: metrics in {}, final model {}", config.runId(), metrics.path(),
                checkpoints.modelPath("final"));
        return net;
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
        throw new TrainingDivergedException("run " + config.runId() + " diverged: the " + what + " is " + value
                + " in epoch " + epoch + " (" + where + "); stopped without writing that epoch; " + lastGood);
    }

    /**
     * dl4j-spark's per-round timings (broadcast, fit, aggregate, per worker), logged after each epoch
     * when {@code -Dsparkresnet.stats=true}: for measuring what a round costs. Its default clock asks
     * pool.ntp.org, so the local clock is used instead.
     */
    private static boolean collectStats() {
        if (!Boolean.getBoolean("sparkresnet.stats")) {
            return false;
        }
        System.setProperty(org.deeplearning4j.spark.time.TimeSourceProvider.TIMESOURCE_CLASSNAME_PROPERTY,
                System.getProperty(org.deeplearning4j.spark.time.TimeSourceProvider.TIMESOURCE_CLASSNAME_PROPERTY,
                        org.deeplearning4j.spark.time.SystemClockTimeSource.class.getName()));
        return true;
    }

    private ResNetConfig modelConfig(Plan plan) {
        return ResNetConfig.cifarPair()
                .withClasses(plan.pair().names().size())
                .withBiasedBlockConvs(config.biasedBlockConvs())
                .withLearningRate(config.learningRate())
                .withStem(config.stem())
                .withWeightDecay(config.weightDecay())
                .withSeed(config.seed());
    }

    private Properties sidecar(int epoch, double accuracy, double bestAccuracy) {
        Properties p = new Properties();
        config.asMap().forEach(p::setProperty);
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
