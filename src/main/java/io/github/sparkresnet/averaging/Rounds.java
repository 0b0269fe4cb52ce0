package io.github.sparkresnet.averaging;

import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.dataset.DataSet;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import scala.Tuple2;
import scala.runtime.AbstractFunction1;

/**
 * Cuts an epoch's minibatches into parameter-averaging rounds of one partition per worker, and hands
 * them out one round at a time, as many partitions as the round has workers.
 *
 * <p>dl4j-spark's worker fits at most {@code averagingFrequency} minibatches per round and silently
 * drops the rest of its partition; its own split-and-repartition of a larger RDD overfills some
 * workers (measured: 9,552 of 10,000 images trained in an epoch). So the epoch's minibatches, in their
 * shuffled order, are laid out once per epoch (one shuffle, cached): minibatch {@code k} goes to
 * partition {@code k / frequency}, in order, and a round is the next partitions in line, worker
 * {@code w} fitting the round's {@code w}-th. With the planned number of workers throughout, round
 * {@code r} is partitions {@code r*workers} to {@code r*workers + workers - 1}, so worker {@code w}
 * of round {@code r} fits minibatches {@code (r*workers + w)*frequency} onwards. A round that could
 * not be averaged in is put back at the head of the line ({@link #putBack}), so whatever the workers
 * do, every minibatch is fitted exactly once per epoch, and a round costs no shuffle of its own.
 */
public final class Rounds implements AutoCloseable {
    private final JavaRDD<DataSet> layout;
    private final int workers;
    private final int count;
    private final Deque<Integer> waiting = new ArrayDeque<>();

    /** One round: its minibatches (one partition per worker), which layout partitions they are, and its place. */
    public record Round(List<Integer> partitions, JavaRDD<DataSet> minibatches, double position) {
        public int workers() {
            return partitions.size();
        }
    }

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
        for (int p = 0; p < count * workers; p++) {
            waiting.add(p);
        }
    }

    /** The rounds of an epoch with the planned workers throughout. */
    public int count() {
        return count;
    }

    public boolean done() {
        return waiting.isEmpty();
    }

    /**
     * The next round, of {@code workers} partitions (fewer at the end). Its {@code position} is the
     * share of the epoch handed out before it (with the planned workers, round {@code r}'s is
     * {@code r / count()}): where the learning-rate schedule stands.
     */
    public Round next(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("a round needs a worker; asked for " + workers);
        }
        List<Integer> partitions = new ArrayList<>(workers);
        for (int w = 0; w < workers && !waiting.isEmpty(); w++) {
            partitions.add(waiting.poll());
        }
        int done = count * this.workers - waiting.size() - partitions.size();
        double position = (double) done / (count * this.workers);
        Set<Integer> chosen = Set.copyOf(partitions);
        List<Integer> inOrder = new ArrayList<>(new TreeSet<>(chosen)); // Spark keeps the parent's order
        JavaRDD<DataSet> rdd = JavaRDD.fromRDD(PartitionPruningRDD.create(layout.rdd(), new Among(chosen)),
                layout.classTag());
        return new Round(List.copyOf(inOrder), rdd, position);
    }

    /**
     * A round whose work was not averaged in, or was lost with the state: its partitions go back to
     * the head of the line, in order. Rounds put back last first come out again as they went.
     */
    public void putBack(Round round) {
        List<Integer> back = new ArrayList<>(round.partitions());
        Collections.reverse(back);
        back.forEach(waiting::addFirst);
    }

    @Override
    public void close() {
        layout.unpersist(false);
    }

    /** Partitions in a set; a Scala function that Spark can ship with the pruned RDD. */
    private static final class Among extends AbstractFunction1<Object, Object> implements Serializable {
        private final Set<Integer> partitions;

        Among(Set<Integer> partitions) {
            this.partitions = partitions;
        }

        @Override
        public Object apply(Object partition) {
            return partitions.contains((Integer) partition);
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
