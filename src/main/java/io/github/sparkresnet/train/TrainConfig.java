package io.github.sparkresnet.train;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.Redaction;
import io.github.sparkresnet.data.Augmentation;
import io.github.sparkresnet.eval.TestTimeAugmentation;
import io.github.sparkresnet.model.ResNetConfig;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.spark.api.RDDTrainingApproach;

/**
 * Everything that defines a training run. The command line fills it; {@link #validate()} names the
 * offending option; checkpoints store {@link #asMap()} so a resume can be checked against its run.
 *
 * @param data                 CIFAR-10 location (any Hadoop path)
 * @param classes              the class pair, as given (e.g. {@code airplane,bird})
 * @param epochs               passes over the training split
 * @param batchSizePerWorker   minibatch size each worker fits
 * @param workers              parallel workers; 0 = Spark's default parallelism (executor cores)
 * @param averagingFrequency   minibatches each worker fits between parameter averages
 * @param averaging            where the workers' states are averaged ({@link Averaging.Kind})
 * @param prefetch             minibatches each worker prefetches asynchronously
 * @param aggregationDepth     depth of the tree aggregation that sums the workers' parameters
 * @param approach             Export (DataSets saved to disk, then streamed) or Direct (kept in the RDD)
 * @param storageLevel         Spark storage level for the training RDD
 * @param learningRate         Adam learning rate
 * @param seed                 model initialization and shuffling seed
 * @param output               run output root (metrics, checkpoints, model)
 * @param runId                run identifier; names the metrics partition and checkpoint folder
 * @param resume               continue {@code runId} from its last complete checkpoint
 * @param limitTrain           use only the first N training records of the pair (0 = all)
 * @param limitTest            use only the first N test records of the pair (0 = all)
 * @param biasedBlockConvs     the reference code's biased 3x3 convs instead of torchvision's
 * @param evalBatchSize        minibatch size of the per-epoch evaluation
 * @param progressSeconds      seconds between in-epoch progress lines
 * @param keepCheckpoints      per-epoch checkpoints kept, newest first (0 = all); best and final models are always kept
 * @param augment              what is done to the training images on the executors ({@link Augmentation})
 * @param lrSchedule           learning-rate schedule ({@link LearningRateSchedule})
 * @param warmupEpochs         epochs of linear learning-rate warm-up
 * @param lrStepEpochs         epochs between two steps of the {@code step} schedule
 * @param lrStepGamma          factor of each step of the {@code step} schedule
 * @param weightDecay          decoupled weight decay of the convolution and dense weights (0 = none)
 * @param earlyStoppingPatience stop after this many epochs without a lower val_loss (0 = never)
 * @param stem                 the network's stem: torchvision's 7x7/2 + max-pool, or CIFAR's 3x3/1
 * @param tta                  how the per-epoch evaluation scores each test image ({@link TestTimeAugmentation})
 */
public record TrainConfig(String data, String classes, int epochs, int batchSizePerWorker, int workers,
                          int averagingFrequency, Averaging.Kind averaging, int prefetch, int aggregationDepth, RDDTrainingApproach approach, String storageLevel,
                          double learningRate, long seed, String output, String runId, boolean resume,
                          int limitTrain, int limitTest, boolean biasedBlockConvs, int evalBatchSize,
                          int progressSeconds, int keepCheckpoints, Augmentation augment,
                          LearningRateSchedule.Kind lrSchedule, int warmupEpochs, int lrStepEpochs, double lrStepGamma,
                          double weightDecay, int earlyStoppingPatience, ResNetConfig.Stem stem,
                          TestTimeAugmentation tta) implements Serializable {

    /** Fails with a message naming the first option that is out of range. */
    public TrainConfig validate() {
        positive("--epochs", epochs);
        positive("--batch-size-per-worker", batchSizePerWorker);
        positive("--averaging-frequency", averagingFrequency);
        positive("--aggregation-depth", aggregationDepth);
        positive("--eval-batch-size", evalBatchSize);
        positive("--progress-seconds", progressSeconds);
        notNegative("--workers", workers);
        notNegative("--prefetch", prefetch);
        notNegative("--limit-train", limitTrain);
        notNegative("--limit-test", limitTest);
        notNegative("--keep-checkpoints", keepCheckpoints);
        notNegative("--warmup-epochs", warmupEpochs);
        positive("--lr-step-epochs", lrStepEpochs);
        notNegative("--early-stopping-patience", earlyStoppingPatience);
        if (warmupEpochs >= epochs && warmupEpochs > 0) {
            throw new BadInputException("--warmup-epochs " + warmupEpochs + ": expected fewer than --epochs (" + epochs + ")");
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
     * The settings that make a checkpoint's network and optimizer state what they are. A resume with
     * different values would silently train another experiment, so it is refused.
     */
    public Map<String, String> identity() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("classes", classes);
        m.put("biased_block_convs", Boolean.toString(biasedBlockConvs));
        m.put("seed", Long.toString(seed));
        m.put("stem", stem.name().toLowerCase());
        m.put("weight_decay", Double.toString(weightDecay));
        return m;
    }

    /** The learning rate over the run. */
    public LearningRateSchedule schedule() {
        return new LearningRateSchedule(lrSchedule, learningRate, epochs, warmupEpochs, lrStepEpochs, lrStepGamma);
    }

    /** Every setting, for logs, checkpoints and the dry-run plan; credentials in paths hidden. */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("data", Redaction.hideCredentials(data));
        m.put("classes", classes);
        m.put("epochs", Integer.toString(epochs));
        m.put("batch_size_per_worker", Integer.toString(batchSizePerWorker));
        m.put("workers", workers == 0 ? "auto" : Integer.toString(workers));
        m.put("averaging_frequency", Integer.toString(averagingFrequency));
        m.put("averaging", averaging.name().toLowerCase());
        m.put("prefetch", Integer.toString(prefetch));
        m.put("aggregation_depth", Integer.toString(aggregationDepth));
        m.put("rdd_training_approach", approach.name());
        m.put("storage_level", storageLevel);
        m.put("learning_rate", Double.toString(learningRate));
        m.put("seed", Long.toString(seed));
        m.put("output", Redaction.hideCredentials(output));
        m.put("run_id", runId);
        m.put("resume", Boolean.toString(resume));
        m.put("limit_train", Integer.toString(limitTrain));
        m.put("limit_test", Integer.toString(limitTest));
        m.put("biased_block_convs", Boolean.toString(biasedBlockConvs));
        m.put("eval_batch_size", Integer.toString(evalBatchSize));
        m.put("keep_checkpoints", keepCheckpoints == 0 ? "all" : Integer.toString(keepCheckpoints));
        m.put("augment", augment.label());
        m.put("lr_schedule", lrSchedule.name().toLowerCase());
        m.put("warmup_epochs", Integer.toString(warmupEpochs));
        m.put("lr_step_epochs", Integer.toString(lrStepEpochs));
        m.put("lr_step_gamma", Double.toString(lrStepGamma));
        m.put("weight_decay", Double.toString(weightDecay));
        m.put("early_stopping_patience", Integer.toString(earlyStoppingPatience));
        m.put("stem", stem.name().toLowerCase());
        m.put("tta", tta.label());
        return m;
    }
}
