package io.github.sparkresnet.train;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.ByNameConverter;
import io.github.sparkresnet.Redaction;
import io.github.sparkresnet.averaging.Averaging;
import io.github.sparkresnet.averaging.DriverAveraging;
import io.github.sparkresnet.data.Augmentation;
import io.github.sparkresnet.data.ClassPair;
import io.github.sparkresnet.data.DataOptions;
import io.github.sparkresnet.eval.EvaluationOptions;
import io.github.sparkresnet.model.ResNetConfig;

import java.io.Serializable;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * Everything that defines a training run, each setting defined once: its field here is the option
 * (name, default, help; {@code train} reads it, a {@code --config} file sets it under the same name
 * without {@code --}), and {@link #asMap()} records it under that name in the dry-run plan and every
 * checkpoint's description, in a form a {@code --config} file reads back. Adding an option is adding
 * a field (and its line in conf/train.properties, which a test keeps complete). Options other commands
 * share come in as groups ({@code @Mixin}: --data, --output, the scoring options), declared once there.
 */
public final class TrainConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** {@code --data}. */
    @Mixin
    public DataOptions data = new DataOptions();

    @Option(names = "--classes", defaultValue = ClassPair.DEFAULT, paramLabel = "A,B",
            description = "The two classes, by name or label index; the first becomes 0, the second 1. "
                    + "Default: ${DEFAULT-VALUE}.")
    public String classes;

    @Option(names = "--epochs", defaultValue = "5", paramLabel = "N",
            description = "Passes over the training split. Default: ${DEFAULT-VALUE}.")
    public int epochs;

    @Option(names = "--batch-size-per-worker", defaultValue = "64", paramLabel = "N",
            description = "Minibatch each worker fits. Default: ${DEFAULT-VALUE}.")
    public int batchSizePerWorker;

    @Option(names = "--workers", defaultValue = "0", paramLabel = "N",
            description = "Parallel workers; 0 = the task slots of the registered executors (local[N]: N). "
                    + "Default: ${DEFAULT-VALUE}.")
    public int workers;

    @Option(names = "--min-workers", defaultValue = "1", paramLabel = "N",
            description = "Fewest workers a round trains with while lost executors are not yet replaced "
                    + "(--averaging allreduce); below it the run waits up to --worker-wait seconds for executors, "
                    + "then stops. Default: ${DEFAULT-VALUE}.")
    public int minWorkers;

    @Option(names = "--worker-wait", defaultValue = "300", paramLabel = "S",
            description = "Seconds to wait for executors when fewer than --min-workers remain. Default: ${DEFAULT-VALUE}.")
    public int workerWaitSeconds;

    @Option(names = "--averaging-frequency", defaultValue = "10", paramLabel = "N",
            description = "Minibatches each worker fits between two parameter averages. Default: ${DEFAULT-VALUE}.")
    public int averagingFrequency;

    @Option(names = "--averaging", defaultValue = "allreduce", paramLabel = "KIND",
            description = "Where the workers' parameters and Adam state are averaged: allreduce (replicas stay on "
                    + "the executors and average among themselves through Spark's block manager) or driver "
                    + "(dl4j-spark's ParameterAveragingTrainingMaster: networks rebuilt every round, states "
                    + "averaged on the driver). Same arithmetic. Default: ${DEFAULT-VALUE}.")
    public Averaging.Kind averaging;

    @Option(names = "--averaged", defaultValue = "state", paramLabel = "WHAT",
            description = "What a round averages: state (parameters, batch-norm statistics and Adam's two moments, "
                    + "as dl4j-spark does) or parameters (each worker keeps its own Adam moments between the "
                    + "rounds of an epoch, averaged once at its end: a third of the network traffic; "
                    + "--averaging allreduce). Default: ${DEFAULT-VALUE}.")
    public Averaging.Averaged averaged;

    @Option(names = "--prefetch", defaultValue = "2", paramLabel = "N",
            description = "Minibatches each worker prefetches asynchronously (--averaging driver). "
                    + "Default: ${DEFAULT-VALUE}.")
    public int prefetch;

    @Option(names = "--aggregation-depth", defaultValue = "2", paramLabel = "D",
            description = "Depth of the tree aggregation summing the workers' parameters each round; 3 or more "
                    + "past about 64 workers (--averaging driver). Default: ${DEFAULT-VALUE}.")
    public int aggregationDepth;

    @Option(names = "--rdd-training-approach", defaultValue = "Direct", paramLabel = "APPROACH",
            description = "Export (write minibatches to disk, then stream them) or Direct (train from the RDD); "
                    + "--averaging driver. Default: ${DEFAULT-VALUE}.")
    public RDDTrainingApproach rddTrainingApproach;

    @Option(names = "--storage-level", defaultValue = "MEMORY_ONLY", paramLabel = "LEVEL",
            description = "Spark storage level of the training RDD. Default: ${DEFAULT-VALUE}.")
    public String storageLevel;

    @Option(names = "--learning-rate", defaultValue = "0.001", paramLabel = "LR",
            description = "Adam learning rate. Default: ${DEFAULT-VALUE}.")
    public double learningRate;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N",
            description = "Initialization and shuffling seed. Default: ${DEFAULT-VALUE}.")
    public long seed;

    /** {@code --output}. */
    @Mixin
    public OutputRoot output = new OutputRoot();

    @Option(names = "--run-id", paramLabel = "ID",
            description = "Names the run's metrics partition and checkpoints. Default: run-<timestamp>.")
    public String runId;

    @Option(names = "--resume", description = "Continue --run-id from its last complete checkpoint.")
    public boolean resume;

    @Option(names = "--limit-train", defaultValue = "0", paramLabel = "N",
            description = "Train on the first N records of the pair's training split only (0 = all).")
    public int limitTrain;

    /** {@code --limit-test}, {@code --eval-batch-size}, {@code --tta}: how the test split is scored after every epoch. */
    @Mixin
    public EvaluationOptions evaluation = new EvaluationOptions();

    @Option(names = "--biased-block-convs",
            description = "Give the blocks' 3x3 convolutions a bias, as the PyTorch reference code does.")
    public boolean biasedBlockConvs;

    @Option(names = "--progress-seconds", defaultValue = "30", paramLabel = "S",
            description = "Seconds between in-epoch progress lines. Default: ${DEFAULT-VALUE}.")
    public int progressSeconds;

    @Option(names = "--keep-checkpoints", defaultValue = "3", paramLabel = "N",
            description = "Per-epoch checkpoints to keep, newest first (each ~255 MB with Adam state); 0 keeps all. "
                    + "The best and final models are kept regardless. Default: ${DEFAULT-VALUE}.")
    public int keepCheckpoints;

    @Option(names = "--augment", arity = "0..1", defaultValue = "flip", fallbackValue = "crop-flip",
            paramLabel = "KIND", converter = AugmentationByName.class,
            description = "Augment the training images on the executors (seeded): none; flip (a horizontal flip "
                    + "half the time); crop-flip (also a random 32x32 crop of the image padded by 4 black "
                    + "pixels). --augment alone means crop-flip. Default: ${DEFAULT-VALUE}.")
    public Augmentation augment;

    @Option(names = "--lr-schedule", defaultValue = "cosine", paramLabel = "KIND",
            description = "Learning rate over the run: constant, step (x --lr-step-gamma every --lr-step-epochs) "
                    + "or cosine (down to 0 at the last epoch); set before every averaging round. "
                    + "Default: ${DEFAULT-VALUE}.")
    public LearningRateSchedule.Kind lrSchedule;

    @Option(names = "--warmup-epochs", defaultValue = "0", paramLabel = "E",
            description = "Epochs (fractions allowed, e.g. 0.25) of linear learning-rate warm-up from 0 before the "
                    + "schedule. Default: ${DEFAULT-VALUE}.")
    public double warmupEpochs;

    @Option(names = "--lr-step-epochs", defaultValue = "2", paramLabel = "N",
            description = "Epochs between steps of the step schedule. Default: ${DEFAULT-VALUE}.")
    public int lrStepEpochs;

    @Option(names = "--lr-step-gamma", defaultValue = "0.1", paramLabel = "F",
            description = "Factor of each step of the step schedule. Default: ${DEFAULT-VALUE}.")
    public double lrStepGamma;

    @Option(names = "--weight-decay", defaultValue = "0", paramLabel = "WD",
            description = "Decoupled (AdamW-style) weight decay of the conv and dense weights; 0 = none. "
                    + "Default: ${DEFAULT-VALUE}.")
    public double weightDecay;

    @Option(names = "--label-smoothing", defaultValue = "0", paramLabel = "E",
            description = "Train towards labels of 1 - E/2 for the image's class and E/2 for the other instead of "
                    + "1 and 0 (train_loss is then the cross-entropy against them); 0 = none. Default: ${DEFAULT-VALUE}.")
    public double labelSmoothing;

    @Option(names = "--validation-fraction", defaultValue = "0", paramLabel = "F",
            description = "Hold out this fraction of the training images (chosen by a hash of each image: the same "
                    + "ones every run) and score them after every epoch instead of the test split, which the run "
                    + "then never reads: for choosing a recipe without tuning it to the test split (val_split "
                    + "says which was scored). 0 = train on all, score the test split. Default: ${DEFAULT-VALUE}.")
    public double validationFraction;

    @Option(names = "--early-stopping-patience", defaultValue = "0", paramLabel = "N",
            description = "Stop after N epochs without a lower val_loss (the best model is kept); 0 = never. "
                    + "Default: ${DEFAULT-VALUE}.")
    public int earlyStoppingPatience;

    @Option(names = "--stem", defaultValue = "imagenet", paramLabel = "KIND",
            description = "imagenet: torchvision's 7x7/2 conv + 3x3/2 max-pool (the reference); cifar: one 3x3/1 "
                    + "conv, no pool (16x the compute per image); pooled: the 3x3/1 conv, then the max-pool (stage 1 "
                    + "at 16x16: 4x the compute). Default: ${DEFAULT-VALUE}.")
    public ResNetConfig.Stem stem;

    /**
     * The settings {@code args} give (train's options, each once; the rest at their defaults), parsed
     * as the command line parses them; not yet validated. Malformed values are a
     * {@link BadInputException} naming the option.
     */
    public static TrainConfig parse(java.util.List<String> args) {
        TrainConfig config = new TrainConfig();
        try {
            new picocli.CommandLine(config).setCaseInsensitiveEnumValuesAllowed(true)
                    .parseArgs(args.toArray(new String[0]));
        } catch (picocli.CommandLine.ParameterException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        return config;
    }

    /** Fails with a message naming the first option that is out of range. */
    public TrainConfig validate() {
        data.validate();
        return validateTraining();
    }

    /**
     * {@link #validate()} but for the data options: for a run whose images are given another way (the
     * Spark ML estimator's DataFrame).
     */
    public TrainConfig validateTraining() {
        evaluation.validate();
        positive("--epochs", epochs);
        positive("--batch-size-per-worker", batchSizePerWorker);
        positive("--averaging-frequency", averagingFrequency);
        positive("--aggregation-depth", aggregationDepth);
        positive("--progress-seconds", progressSeconds);
        notNegative("--workers", workers);
        positive("--min-workers", minWorkers);
        notNegative("--worker-wait", workerWaitSeconds);
        if (workers > 0 && minWorkers > workers) {
            throw new BadInputException("--min-workers " + minWorkers + ": expected at most --workers (" + workers + ")");
        }
        notNegative("--prefetch", prefetch);
        notNegative("--limit-train", limitTrain);
        notNegative("--keep-checkpoints", keepCheckpoints);
        if (!Double.isFinite(warmupEpochs) || warmupEpochs < 0) {
            throw new BadInputException("--warmup-epochs " + warmupEpochs + ": expected 0 or more epochs, e.g. 0.25");
        }
        if (!Double.isFinite(labelSmoothing) || labelSmoothing < 0 || labelSmoothing >= 1) {
            throw new BadInputException("--label-smoothing " + labelSmoothing + ": expected a number in [0, 1), e.g. 0.1");
        }
        if (!Double.isFinite(validationFraction) || validationFraction < 0 || validationFraction >= 1) {
            throw new BadInputException("--validation-fraction " + validationFraction
                    + ": expected a fraction in [0, 1), e.g. 0.2 (0 = score the test split)");
        }
        positive("--lr-step-epochs", lrStepEpochs);
        notNegative("--early-stopping-patience", earlyStoppingPatience);
        if (warmupEpochs >= epochs && warmupEpochs > 0) {
            throw new BadInputException("--warmup-epochs " + java.math.BigDecimal.valueOf(warmupEpochs).stripTrailingZeros()
                    .toPlainString() + ": expected fewer than --epochs (" + epochs + ")");
        }
        if (!Double.isFinite(lrStepGamma) || lrStepGamma <= 0 || lrStepGamma > 1) {
            throw new BadInputException("--lr-step-gamma " + lrStepGamma + ": expected a factor in (0, 1], e.g. 0.1");
        }
        if (!Double.isFinite(weightDecay) || weightDecay < 0 || weightDecay >= 1) {
            throw new BadInputException("--weight-decay " + weightDecay + ": expected a number in [0, 1), e.g. 0.0005");
        }
        if (!Double.isFinite(learningRate) || learningRate <= 0 || learningRate > 1) {
            throw new BadInputException("--learning-rate " + learningRate + ": expected a number in (0, 1], e.g. 0.001");
        }
        if (averaged == Averaging.Averaged.PARAMETERS && averaging != Averaging.Kind.ALLREDUCE) {
            throw new BadInputException("--averaged parameters: needs --averaging allreduce; dl4j-spark's master "
                    + "(--averaging driver) does not keep each worker's Adam moments, it restarts them every round");
        }
        if (runId == null || !runId.matches("[A-Za-z0-9._-]{1,100}")) {
            throw new BadInputException("--run-id " + runId
                    + ": expected 1-100 characters from letters, digits, '.', '_' and '-'");
        }
        try {
            org.apache.spark.storage.StorageLevel.fromString(storageLevel);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--storage-level " + storageLevel
                    + ": expected a Spark storage level such as MEMORY_ONLY, MEMORY_AND_DISK, MEMORY_ONLY_SER");
        }
        return this;
    }

    private static void positive(String option, long value) {
        if (value < 1) {
            throw new BadInputException(option + " " + value + ": expected a whole number of at least 1");
        }
    }

    private static void notNegative(String option, long value) {
        if (value < 0) {
            throw new BadInputException(option + " " + value + ": expected 0 or more");
        }
    }

    /**
     * The settings that make a checkpoint's network and optimizer state what they are (option names
     * as keys). A resume with different values would silently train another experiment: refused.
     */
    public Map<String, String> identity() {
        Map<String, String> all = asMap();
        Map<String, String> m = new LinkedHashMap<>();
        for (String option : new String[] {"classes", "biased-block-convs", "seed", "stem", "weight-decay",
            "validation-fraction"}) {
            m.put(option, all.get(option));
        }
        return m;
    }

    /** The learning rate over the run. */
    public LearningRateSchedule schedule() {
        return new LearningRateSchedule(lrSchedule, learningRate, epochs, warmupEpochs, lrStepEpochs, lrStepGamma);
    }

    /**
     * Every setting under its option's name, as a {@code --config} file writes it: for the dry-run
     * plan and checkpoint descriptions. Enums by their lower-case name (or label), credentials in
     * paths hidden; options without a value left out.
     */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        for (OptionSpec option : CommandSpec.forAnnotatedObject(this).options()) {
            if (option.getValue() != null) { // not given and no default (e.g. --images of a CIFAR-10 run)
                m.put(option.longestName().substring(2), text(option.getValue()));
            }
        }
        return m;
    }

    /** The train options a checkpoint or model description records, by option name (other entries left out). */
    public static Map<String, String> recordedOptions(Properties description) {
        Map<String, String> m = new LinkedHashMap<>();
        for (OptionSpec option : CommandSpec.forAnnotatedObject(new TrainConfig()).options()) {
            String name = option.longestName().substring(2);
            String value = description.getProperty(name);
            if (value != null) {
                m.put(name, value);
            }
        }
        return m;
    }

    /** A value as its option takes it: a type's own {@code label()} where it has one. */
    private static String text(Object value) {
        if (value instanceof String s) {
            return Redaction.hideCredentials(s);
        }
        if (value != null) {
            try {
                Method label = value.getClass().getMethod("label");
                if (label.getReturnType() == String.class) {
                    return (String) label.invoke(value);
                }
            } catch (ReflectiveOperationException noLabel) {
                // no label: the name below
            }
        }
        return value instanceof Enum<?> e ? e.name().toLowerCase() : String.valueOf(value);
    }

    /**
     * An option's value as a checkpoint or model description records it: under the option's name, or,
     * in descriptions written before settings were recorded by option name, under its snake_case form.
     */
    public static String recorded(Properties description, String option, String otherwise) {
        return description.getProperty(option, description.getProperty(option.replace('-', '_'), otherwise));
    }

    /** {@code --augment} by name. */
    public static final class AugmentationByName extends ByNameConverter<Augmentation> {
        public AugmentationByName() {
            super(Augmentation::named);
        }
    }

    /** What {@code --averaging driver} takes of these settings. */
    public DriverAveraging.Settings driverAveraging() {
        return new DriverAveraging.Settings(batchSizePerWorker, averagingFrequency, prefetch, aggregationDepth,
                rddTrainingApproach, storageLevel, seed);
    }
}
