package io.github.sparkresnet.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns the rows of a {@link ClassPair} into what DL4J trains on, on the executors: {@link DataSet}
 * minibatches with NCHW float features {@code [n, 3, 32, 32]}, normalized per {@link Normalization},
 * and one-hot labels {@code [n, 2]}.
 */
public final class Minibatches {
    private static final String SHUFFLE_KEY = "_shuffle";

    private Minibatches() {
    }

    /**
     * A seeded random permutation of {@code pairRows} spread over {@code partitions}, then cut into
     * minibatches of {@code batchSize} (the last of each partition may be smaller). The same seed and
     * images give the same order, however the rows were read and partitioned (a folder of image files,
     * a user's DataFrame, CIFAR-10's files); use a different seed per epoch for a fresh shuffle.
     */
    public static JavaRDD<DataSet> shuffled(Dataset<Row> pairRows, int batchSize, int partitions, long seed,
                                            Normalization normalization) {
        return shuffled(pairRows, batchSize, partitions, seed, normalization, Augmentation.NONE);
    }

    /**
     * As {@link #shuffled(Dataset, int, int, long, Normalization)}, each image augmented; the
     * augmentation's random draws come from {@code seed} and the partition, so they repeat exactly.
     */
    public static JavaRDD<DataSet> shuffled(Dataset<Row> pairRows, int batchSize, int partitions, long seed,
                                            Normalization normalization, Augmentation augmentation) {
        return shuffled(pairRows, batchSize, partitions, seed, normalization, augmentation, 0);
    }

    /**
     * As {@link #shuffled(Dataset, int, int, long, Normalization, Augmentation)}, with labels smoothed
     * by {@code labelSmoothing} (E): {@code 1 - E/2} for the image's class, {@code E/2} for the other;
     * 0 gives the one-hot labels exactly.
     */
    public static JavaRDD<DataSet> shuffled(Dataset<Row> pairRows, int batchSize, int partitions, long seed,
                                            Normalization normalization, Augmentation augmentation,
                                            double labelSmoothing) {
        // Hash-partitioning on a random key sends each record to a random partition, and sorting by
        // the key orders each partition randomly: a seeded permutation in one shuffle. (Range
        // partitioning would add a sampling job that reads every input file a second time.) The key
        // is a seeded hash of the record itself, not a draw in row order, so the permutation does not
        // depend on the order or partitioning the rows came in; equal records are interchangeable.
        Dataset<Row> permuted = pairRows.select(col("image"), col(ClassPair.TARGET))
                .withColumn(SHUFFLE_KEY, xxhash64(col("image"), col(ClassPair.TARGET), lit(seed)))
                .repartition(partitions, col(SHUFFLE_KEY))
                .sortWithinPartitions(SHUFFLE_KEY);
        return permuted.select(col("image"), col(ClassPair.TARGET)).javaRDD()
                .mapPartitionsWithIndex((index, rows) -> batches(rows, batchSize, normalization, augmentation,
                        (float) labelSmoothing, new Random(seed * 1_000_003L + index)), true);
    }

    /**
     * Minibatches for scoring, in one partition in an order fixed by the records themselves (a hash of
     * each): the same batches, so the same sums to the last bit, however the rows were read and
     * partitioned (a training run's test split, {@code evaluate}'s, the estimator's validation rows).
     */
    public static JavaRDD<DataSet> inFixedOrder(Dataset<Row> pairRows, int batchSize, Normalization normalization) {
        return pairRows.select(col("image"), col(ClassPair.TARGET))
                .withColumn(SHUFFLE_KEY, xxhash64(col("image"), col(ClassPair.TARGET)))
                .repartition(1).sortWithinPartitions(SHUFFLE_KEY)
                .select(col("image"), col(ClassPair.TARGET)).javaRDD()
                .mapPartitions(rows -> batches(rows, batchSize, normalization, Augmentation.NONE, 0f, null));
    }

    private static Iterator<DataSet> batches(Iterator<Row> rows, int batchSize, Normalization normalization,
                                             Augmentation augmentation, float labelSmoothing, Random rng) {
        float[][] lut = normalization.lookupTables();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public DataSet next() {
                List<Row> batch = new ArrayList<>(batchSize);
                while (rows.hasNext() && batch.size() < batchSize) {
                    batch.add(rows.next());
                }
                return toDataSet(batch, lut, augmentation, labelSmoothing, rng);
            }
        };
    }

    /**
     * One minibatch from collected rows whose first two columns are {@code image} (3072 CHW bytes) and
     * {@code target} (0 or 1): for scoring a handful of images on the driver, as the Zeppelin note does.
     */
    public static DataSet fromRows(List<Row> rows, Normalization normalization) {
        return toDataSet(rows, normalization.lookupTables());
    }

    /** Normalized NCHW features {@code [n, 3, 32, 32]} of CIFAR images (3072 CHW bytes each), for scoring. */
    public static INDArray features(List<byte[]> images, Normalization normalization) {
        float[][] lut = normalization.lookupTables();
        float[] features = new float[images.size() * CifarLayout.IMAGE_BYTES];
        for (int i = 0; i < images.size(); i++) {
            byte[] image = images.get(i);
            if (image == null || image.length != CifarLayout.IMAGE_BYTES) {
                throw new io.github.sparkresnet.BadInputException("image " + i + " of a batch has "
                        + (image == null ? "no bytes" : image.length + " bytes") + "; expected "
                        + CifarLayout.IMAGE_BYTES + " (32x32 RGB, channel planes R, G, B)");
            }
            Augmentation.NONE.apply(image, lut, features, i * CifarLayout.IMAGE_BYTES, null);
        }
        return Nd4j.create(features, new long[] {images.size(), CifarLayout.CHANNELS, CifarLayout.HEIGHT,
            CifarLayout.WIDTH}, 'c');
    }

    /** One minibatch from rows holding {@code image} (3072 CHW bytes) and {@code target} (0 or 1). */
    static DataSet toDataSet(List<Row> rows, float[][] lut) {
        return toDataSet(rows, lut, Augmentation.NONE, 0f, null);
    }

    static DataSet toDataSet(List<Row> rows, float[][] lut, Augmentation augmentation, float labelSmoothing,
                             Random rng) {
        float other = labelSmoothing / 2;
        float own = 1f - other;
        int n = rows.size();
        float[] features = new float[n * CifarLayout.IMAGE_BYTES];
        float[] labels = new float[n * 2];
        for (int i = 0; i < n; i++) {
            byte[] image = rows.get(i).getAs(0);
            int base = i * CifarLayout.IMAGE_BYTES;
            augmentation.apply(image, lut, features, base, rng); // NONE: a plain normalized copy
            int target = rows.get(i).getInt(1);
            labels[i * 2 + target] = own;
            labels[i * 2 + 1 - target] = other;
        }
        INDArray x = Nd4j.create(features, new long[] {n, CifarLayout.CHANNELS, CifarLayout.HEIGHT, CifarLayout.WIDTH}, 'c');
        INDArray y = Nd4j.create(labels, new long[] {n, 2}, 'c');
        return new DataSet(x, y);
    }
}
