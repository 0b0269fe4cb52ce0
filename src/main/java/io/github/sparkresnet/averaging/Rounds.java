package io.github.sparkresnet.averaging;

import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.dataset.DataSet;
import java.io.Serializable;
import scala.Tuple2;
import scala.runtime.AbstractFunction1;

/**
 * Cuts an epoch's minibatches into parameter-averaging rounds of exactly one partition per worker.
 *
 * <p>dl4j-spark's worker fits at most {@code averagingFrequency} minibatches per round and silently
 * drops the rest of its partition; its own split-and-repartition of a larger RDD overfills some
 * workers (measured: 9,552 of 10,000 images trained in an epoch). So the epoch's minibatches, in their
 * shuffled order, are laid out once per epoch (one shuffle, cached): minibatch {@code k} goes to
 * partition {@code k / frequency}, in order, and round {@code r} is partitions {@code r*workers} to
 * {@code r*workers + workers - 1}, so that worker {@code w} of round {@code r} fits minibatches
 * {@code (r*workers + w)*frequency} onwards. Every minibatch is then fitted exactly once per epoch, and
 * a round costs no shuffle of its own.
 */
public final class Rounds implements AutoCloseable {
    private final JavaRDD<DataSet> layout;
    private final int workers;
    private final int count;

    /** {@code minibatches}: the epoch's {@code total} minibatches in their (shuffled) order, in one partition. */
    public Rounds(JavaRDD<DataSet> minibatches, long total, int workers, int frequency, StorageLevel level) {
        this.workers = workers;
        long perRound = (long) workers * frequency;
        this.count = (int) ((total + perRound - 1) / perRound);
        this.layout = minibatches.zipWithIndex()
                .mapToPair(Tuple2::swap)
                .repartitionAndSortWithinPartitions(new ByIndex(count * workers, frequency))
                .values()
                .persist(level);
    }

    public int count() {
        return count;
    }

    /** Round {@code r}: {@code workers} partitions, partition {@code w} holding worker {@code w}'s minibatches. */
    public JavaRDD<DataSet> round(int r) {
        return JavaRDD.fromRDD(PartitionPruningRDD.create(layout.rdd(), new InRange(r * workers, r * workers + workers)),
                layout.classTag());
    }

    @Override
    public void close() {
        layout.unpersist(false);
    }

    /** Partitions [from, to); a Scala function that Spark can ship with the pruned RDD. */
    private static final class InRange extends AbstractFunction1<Object, Object> implements Serializable {
        private final int from;
        private final int to;

        InRange(int from, int to) {
            this.from = from;
            this.to = to;
        }

        @Override
        public Object apply(Object partition) {
            int p = (Integer) partition;
            return p >= from && p < to;
        }
    }

    /** Minibatch {@code k} to partition {@code k / frequency}. */
    private static final class ByIndex extends Partitioner {
        private final int partitions;
        private final int frequency;

        ByIndex(int partitions, int frequency) {
            this.partitions = partitions;
            this.frequency = frequency;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            return (int) ((Long) key / frequency);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ByIndex b && b.partitions == partitions && b.frequency == frequency;
        }

        @Override
        public int hashCode() {
            return 31 * partitions + frequency;
        }
    }
}
