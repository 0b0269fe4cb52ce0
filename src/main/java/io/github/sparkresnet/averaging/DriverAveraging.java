package io.github.sparkresnet.averaging;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;

/**
 * {@code --averaging driver}: dl4j-spark's {@link ParameterAveragingTrainingMaster}. Every round it
 * broadcasts the parameters and Adam state from the driver, every worker builds its network from them,
 * and the workers' states come back to the driver through {@code treeAggregate} to be averaged there.
 */
public final class DriverAveraging implements Averaging {
    private final SparkComputationGraph sparkNet;

    /** dl4j-spark's settings, one per {@code train} option of the same name. */
    public record Settings(int batchSizePerWorker, int averagingFrequency, int prefetch, int aggregationDepth,
                           RDDTrainingApproach rddTrainingApproach, String storageLevel, long seed) {
    }

    public DriverAveraging(JavaSparkContext jsc, ComputationGraph net, Settings settings, int workers,
                           MinibatchRecorder recorder) {
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(workers,
                settings.batchSizePerWorker())
                .batchSizePerWorker(settings.batchSizePerWorker())
                .averagingFrequency(settings.averagingFrequency())
                .workerPrefetchNumBatches(settings.prefetch())
                .aggregationDepth(settings.aggregationDepth())
                .repartionData(Repartition.Never) // Rounds hands over each round already partitioned
                .rddTrainingApproach(settings.rddTrainingApproach())
                .storageLevel(StorageLevel.fromString(settings.storageLevel()))
                .saveUpdater(true)
                .rngSeed(settings.seed())
                .trainingHooks(new WorkerHook(recorder))
                .collectTrainingStats(collectStats())
                .build();
        this.sparkNet = new SparkComputationGraph(jsc, net, master);
    }

    @Override
    public void fitRound(JavaRDD<DataSet> round, double learningRate) {
        // the workers get the rate with the parameters broadcast for the round
        sparkNet.getNetwork().setLearningRate(learningRate);
        sparkNet.fit(round);
    }

    @Override
    public ComputationGraph network() {
        return sparkNet.getNetwork();
    }

    @Override
    public int rewind() {
        throw new UnsupportedOperationException("dl4j-spark's master keeps no epoch-start state; its rounds "
                + "either finish or fail the run");
    }

    @Override
    public String roundSummary() {
        return collectStats() ? "dl4j-spark stats:\n" + sparkNet.getSparkTrainingStats().statsAsString() : "";
    }

    @Override
    public void close() {
        // nothing held beyond the driver's network
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
}
