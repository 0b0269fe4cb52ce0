package io.github.sparkresnet.cli;

import io.github.sparkresnet.Redaction;
import io.github.sparkresnet.data.Augmentation;
import io.github.sparkresnet.data.CifarDownloader;
import io.github.sparkresnet.data.ClassPair;
import io.github.sparkresnet.data.PairCounts;
import io.github.sparkresnet.eval.TestTimeAugmentation;
import io.github.sparkresnet.model.ResNetConfig;
import io.github.sparkresnet.spark.Nd4jSetup;
import io.github.sparkresnet.spark.SparkSessions;
import io.github.sparkresnet.train.Averaging;
import io.github.sparkresnet.train.LearningRateSchedule;
import io.github.sparkresnet.train.TrainConfig;
import io.github.sparkresnet.train.TrainingJob;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code train}: load CIFAR-10, select the class pair, train the ResNet34 by parameter averaging,
 * evaluate and checkpoint every epoch. Defaults can come from a file ({@code --config}); options on
 * the command line win.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Load CIFAR-10 into Spark, select two classes and train a ResNet34 on them with synchronous "
                + "parameter averaging; evaluate, write metrics and checkpoint after every epoch.")
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file of option defaults (keys are option names without '--', e.g. "
                    + "conf/train.properties); options given on the command line override it.")
    Path configFile;

    @Option(names = "--data", paramLabel = "PATH",
            description = "CIFAR-10 binary data on any Hadoop file system: the cifar-10-batches-bin directory, "
                    + "a directory containing it, or cifar-10-binary.tar.gz.")
    String data;

    @Option(names = "--classes", defaultValue = ClassPair.DEFAULT, paramLabel = "A,B",
            description = "The two classes, by name or label index; the first becomes 0, the second 1. "
                    + "Default: ${DEFAULT-VALUE}.")
    String classes;

    @Option(names = "--epochs", defaultValue = "5", description = "Passes over the training split. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size-per-worker", defaultValue = "64", paramLabel = "N",
            description = "Minibatch each worker fits. Default: ${DEFAULT-VALUE}.")
    int batchSizePerWorker;

    @Option(names = "--workers", defaultValue = "0", paramLabel = "N",
            description = "Parallel workers; 0 = the task slots of the registered executors (local[N]: N). Default: ${DEFAULT-VALUE}.")
    int workers;

    @Option(names = "--averaging-frequency", defaultValue = "10", paramLabel = "N",
            description = "Minibatches each worker fits between two parameter averages. Default: ${DEFAULT-VALUE}.")
    int averagingFrequency;

    @Option(names = "--averaging", defaultValue = "allreduce", paramLabel = "KIND",
            description = "Where the workers' parameters and Adam state are averaged: allreduce (replicas stay on "
                    + "the executors and average among themselves through Spark's block manager) or driver "
                    + "(dl4j-spark's ParameterAveragingTrainingMaster: networks rebuilt every round, states "
                    + "averaged on the driver). Same arithmetic. Default: ${DEFAULT-VALUE}.")
    Averaging.Kind averaging;

    @Option(names = "--prefetch", defaultValue = "2", paramLabel = "N",
            description = "Minibatches each worker prefetches asynchronously (--averaging driver). Default: ${DEFAULT-VALUE}.")
    int prefetch;

    @Option(names = "--aggregation-depth", defaultValue = "2", paramLabel = "D",
            description = "Depth of the tree aggregation summing the workers' parameters each round; 3 or more "
                    + "past about 64 workers (--averaging driver). Default: ${DEFAULT-VALUE}.")
    int aggregationDepth;

    @Option(names = "--rdd-training-approach", defaultValue = "Direct", paramLabel = "APPROACH",
            description = "Export (write minibatches to disk, then stream them) or Direct (train from the RDD); "
                    + "--averaging driver. "
                    + "Default: ${DEFAULT-VALUE}.")
    RDDTrainingApproach approach;

    @Option(names = "--storage-level", defaultValue = "MEMORY_ONLY", paramLabel = "LEVEL",
            description = "Spark storage level of the training RDD. Default: ${DEFAULT-VALUE}.")
    String storageLevel;

    @Option(names = "--learning-rate", defaultValue = "0.001", paramLabel = "LR",
            description = "Adam learning rate. Default: ${DEFAULT-VALUE}.")
    double learningRate;

    @Option(names = "--seed", defaultValue = "42", description = "Initialization and shuffling seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--output", defaultValue = "runs", paramLabel = "DIR",
            description = "Where metrics/, checkpoints/ and model/ go (any Hadoop path). Default: ${DEFAULT-VALUE}.")
    String output;

    @Option(names = "--run-id", paramLabel = "ID",
            description = "Names the run's metrics partition and checkpoints. Default: run-<timestamp>.")
    String runId;

    @Option(names = "--resume", description = "Continue --run-id from its last complete checkpoint.")
    boolean resume;

    @Option(names = "--limit-train", defaultValue = "0", paramLabel = "N",
            description = "Train on the first N records of the pair's training split only (0 = all).")
    int limitTrain;

    @Option(names = "--limit-test", defaultValue = "0", paramLabel = "N",
            description = "Evaluate on the first N records of the pair's test split only (0 = all).")
    int limitTest;

    @Option(names = "--biased-block-convs",
            description = "Give the blocks' 3x3 convolutions a bias, as the PyTorch reference code does.")
    boolean biasedBlockConvs;

    @Option(names = "--eval-batch-size", defaultValue = "250", paramLabel = "N",
            description = "Minibatch of the per-epoch evaluation. Default: ${DEFAULT-VALUE}.")
    int evalBatchSize;

    @Option(names = "--progress-seconds", defaultValue = "30", paramLabel = "S",
            description = "Seconds between in-epoch progress lines. Default: ${DEFAULT-VALUE}.")
    int progressSeconds;

    @Option(names = "--keep-checkpoints", defaultValue = "3", paramLabel = "N",
            description = "Per-epoch checkpoints to keep, newest first (each ~255 MB with Adam state); 0 keeps all. "
                    + "The best and final models are kept regardless. Default: ${DEFAULT-VALUE}.")
    int keepCheckpoints;

    @Option(names = "--augment", arity = "0..1", defaultValue = "flip", fallbackValue = "crop-flip",
            paramLabel = "KIND", converter = ByNameConverter.ForAugmentation.class,
            description = "Augment the training images on the executors (seeded): none; flip (a horizontal flip "
                    + "half the time); crop-flip (also a random 32x32 crop of the image padded by 4 black "
                    + "pixels). --augment alone means crop-flip. Default: ${DEFAULT-VALUE}.")
    Augmentation augment;

    @Option(names = "--lr-schedule", defaultValue = "cosine", paramLabel = "KIND",
            description = "Learning rate over the run: constant, step (x --lr-step-gamma every --lr-step-epochs) "
                    + "or cosine (down to 0 at the last epoch); set before every averaging round. "
                    + "Default: ${DEFAULT-VALUE}.")
    LearningRateSchedule.Kind lrSchedule;

    @Option(names = "--warmup-epochs", defaultValue = "0", paramLabel = "N",
            description = "Epochs of linear learning-rate warm-up before the schedule. Default: ${DEFAULT-VALUE}.")
    int warmupEpochs;

    @Option(names = "--lr-step-epochs", defaultValue = "2", paramLabel = "N",
            description = "Epochs between steps of the step schedule. Default: ${DEFAULT-VALUE}.")
    int lrStepEpochs;

    @Option(names = "--lr-step-gamma", defaultValue = "0.1", paramLabel = "F",
            description = "Factor of each step of the step schedule. Default: ${DEFAULT-VALUE}.")
    double lrStepGamma;

    @Option(names = "--weight-decay", defaultValue = "0", paramLabel = "WD",
            description = "Decoupled (AdamW-style) weight decay of the conv and dense weights; 0 = none. "
                    + "Default: ${DEFAULT-VALUE}.")
    double weightDecay;

    @Option(names = "--early-stopping-patience", defaultValue = "0", paramLabel = "N",
            description = "Stop after N epochs without a lower val_loss (the best model is kept); 0 = never. "
                    + "Default: ${DEFAULT-VALUE}.")
    int earlyStoppingPatience;

    @Option(names = "--stem", defaultValue = "imagenet", paramLabel = "KIND",
            description = "imagenet: torchvision's 7x7/2 conv + 3x3/2 max-pool (the reference); cifar: one 3x3/1 "
                    + "conv, no pool (16x the compute per image). Default: ${DEFAULT-VALUE}.")
    ResNetConfig.Stem stem;

    @Option(names = "--tta", defaultValue = "flip", paramLabel = "KIND", converter = ByNameConverter.ForTta.class,
            description = "Test-time augmentation of the per-epoch evaluation: none, or flip (average the outputs "
                    + "for each test image and its mirror; twice the evaluation time). Default: ${DEFAULT-VALUE}.")
    TestTimeAugmentation tta;

    @Option(names = "--dry-run",
            description = "Check the data and every option, print the record counts and the plan, then exit "
                    + "without training.")
    boolean dryRun;

    @Option(names = "--download",
            description = "If --data holds no CIFAR-10 yet, download cifar-10-binary.tar.gz into it "
                    + "(a local directory) and verify its MD5.")
    boolean download;

    @Option(names = "--download-url", defaultValue = CifarDownloader.OFFICIAL_URL, paramLabel = "URL",
            description = "Where --download fetches the archive (a mirror). Default: ${DEFAULT-VALUE}.")
    URI downloadUrl;

    @Option(names = "--master", defaultValue = "local[*]", paramLabel = "URL",
            description = "Spark master when not run by spark-submit (spark-submit's --master wins). "
                    + "Default: ${DEFAULT-VALUE}.")
    String master;

    TrainConfig config() {
        if (data == null || data.isBlank()) {
            throw new io.github.sparkresnet.BadInputException(
                    "--data is required (on the command line or in the --config file): the CIFAR-10 location");
        }
        String id = runId != null ? runId
                : "run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return new TrainConfig(data, classes, epochs, batchSizePerWorker, workers, averagingFrequency, averaging, prefetch,
                aggregationDepth, approach, storageLevel, learningRate, seed, output, id, resume,
                limitTrain, limitTest, biasedBlockConvs, evalBatchSize, progressSeconds, keepCheckpoints, augment,
                lrSchedule, warmupEpochs, lrStepEpochs, lrStepGamma, weightDecay, earlyStoppingPatience, stem,
                tta);
    }

    @Override
    public Integer call() {
        if (download) {
            data = downloadIfAbsent(Path.of(data)).toString();
        }
        TrainConfig config = config().validate(); // option errors before Spark starts
        SparkSession spark = SparkSessions.getOrCreate("spark-resnet train " + config.runId(), master);
        Nd4jSetup.configure("driver");
        TrainingJob job = new TrainingJob(spark, config);
        TrainingJob.Plan plan = job.plan();
        if (dryRun) {
            PrintWriter out = spec.commandLine().getOut();
            out.println("data " + Redaction.hideCredentials(plan.source().location()) + " (" + plan.source().kind().name().toLowerCase() + ")");
            out.println("classes " + plan.pair());
            Dataset<Row> both = plan.train().union(plan.test());
            out.print(PairCounts.of(both, plan.pair()).toLines());
            out.println("plan " + plan.workers() + " workers, " + plan.roundImages(config) + " images per averaging round, "
                    + plan.roundsPerEpoch(config) + " rounds per epoch"
                    + plan.resumeFrom().map(e -> ", resuming after epoch " + e).orElse(""));
            config.asMap().forEach((k, v) -> out.println("option " + k + " = " + v));
            out.flush();
            return 0;
        }
        job.run(plan);
        return 0;
    }

    /** The archive's path after an opt-in download, or {@code dir} itself when it already holds data. */
    private Path downloadIfAbsent(Path dir) {
        boolean hasData = Files.isRegularFile(dir)
                || Files.isDirectory(dir.resolve("cifar-10-batches-bin"))
                || Files.exists(dir.resolve("data_batch_1.bin"));
        if (hasData) {
            return dir;
        }
        // fetch() also re-verifies an archive a previous --download left there.
        return new CifarDownloader(downloadUrl, CifarDownloader.ARCHIVE_MD5).fetch(dir);
    }
}
