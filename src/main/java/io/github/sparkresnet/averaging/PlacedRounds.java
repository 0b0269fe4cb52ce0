package io.github.sparkresnet.averaging;

import io.github.sparkresnet.spark.ByteBlocks;

import java.util.List;
import org.apache.spark.Partition;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import org.nd4j.linalg.dataset.DataSet;
import scala.collection.Iterator;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag;

/**
 * An RDD whose partition {@code p} asks to run on a given executor. For a round's minibatches: where
 * worker {@code w}'s own Adam moments are ({@code --averaged parameters}), so that its task finds them
 * in its replica instead of reading them over the network. Spark places a task on the executor it
 * prefers when that executor has a free slot as the job starts (rounds start with every slot free);
 * a task placed elsewhere still runs.
 */
final class PlacedRounds<T> extends RDD<T> {
    private static final long serialVersionUID = 1L;
    private final ClassTag<T> tag;
    /** Spark's name of each partition's executor ({@code executor_HOST_ID}). */
    private final String[] places;

    private PlacedRounds(RDD<T> parent, String[] places, ClassTag<T> tag) {
        super(parent, tag);
        this.tag = tag;
        this.places = places;
    }

    /** {@code round} with partition {@code w} preferring the executor that holds {@code at.get(w)}. */
    static JavaRDD<DataSet> on(JavaRDD<DataSet> round, List<ByteBlocks.Ref> at) {
        String[] places = at.stream().map(ref -> "executor_" + ref.host() + "_" + ref.executorId()).toArray(String[]::new);
        return new PlacedRounds<>(round.rdd(), places, round.classTag()).toJavaRDD();
    }

    @Override
    public Iterator<T> compute(Partition split, TaskContext context) {
        return firstParent(tag).iterator(split, context);
    }

    @Override
    public Partition[] getPartitions() {
        return firstParent(tag).partitions();
    }

    /** An immutable Seq: what Spark 4 (Scala 2.13) declares, and a Seq for Spark 3.5 (Scala 2.12). */
    @Override
    public scala.collection.immutable.Seq<String> getPreferredLocations(Partition split) {
        return JavaConverters.asScalaBuffer(List.of(places[split.index()])).toList();
    }
}
