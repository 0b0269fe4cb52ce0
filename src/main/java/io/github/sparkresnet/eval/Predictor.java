package io.github.sparkresnet.eval;

import io.github.sparkresnet.data.Minibatches;
import io.github.sparkresnet.data.Normalization;
import io.github.sparkresnet.model.SavedNetworks;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Batch scoring on the executors: any DataFrame with an {@code image} column (3,072 bytes of a 32x32
 * RGB image, channel planes R, G, B, as CIFAR-10 stores them) gains {@code predicted_target},
 * {@code predicted_class} and {@code probabilities} (per class, in target order); or, for callers
 * that name their columns (the Spark ML model), only the probabilities, with test-time flips if asked.
 * The model is broadcast once as its serialized bytes, without the updater's state, and restored once
 * per partition.
 */
public final class Predictor {
    public static final StructType ADDED = new StructType()
            .add("predicted_target", DataTypes.IntegerType, false)
            .add("predicted_class", DataTypes.StringType, false)
            .add("probabilities", DataTypes.createArrayType(DataTypes.DoubleType, false), false);

    private Predictor() {
    }

    public static Dataset<Row> predict(Dataset<Row> images, byte[] model, List<String> classNames, int batchSize) {
        StructType schema = images.schema();
        for (var f : ADDED.fields()) {
            schema = schema.add(f);
        }
        return score(images, "image", model, batchSize, TestTimeAugmentation.NONE, schema, (row, p) -> {
            int best = 0;
            for (int c = 1; c < p.length; c++) {
                best = p[c] > p[best] ? c : best;
            }
            return append(row, best, classNames.get(best), boxed(p));
        });
    }

    /**
     * {@code images} with {@code column} added: the class probabilities of the image in
     * {@code imageColumn} (CIFAR-10's byte layout) as {@code tta} computes them, in target order.
     */
    public static Dataset<Row> probabilities(Dataset<Row> images, String imageColumn, String column, byte[] model,
                                             int batchSize, TestTimeAugmentation tta) {
        StructType schema = images.schema().add(column, DataTypes.createArrayType(DataTypes.DoubleType, false), false);
        return score(images, imageColumn, model, batchSize, tta, schema, (row, p) -> append(row, (Object) boxed(p)));
    }

    /** Probabilities as a Row holds an array of doubles. */
    private static Double[] boxed(double[] p) {
        Double[] boxed = new Double[p.length];
        for (int c = 0; c < p.length; c++) {
            boxed[c] = p[c];
        }
        return boxed;
    }

    /** What a scored row becomes, from the input row and the image's class probabilities. */
    private interface Output extends java.io.Serializable {
        Row of(Row in, double[] probabilities);
    }

    private static Row append(Row in, Object... added) {
        Object[] values = new Object[in.size() + added.length];
        for (int c = 0; c < in.size(); c++) {
            values[c] = in.get(c);
        }
        System.arraycopy(added, 0, values, in.size(), added.length);
        return RowFactory.create(values);
    }

    /** Scores each partition in batches of {@code batchSize}, the network restored once per partition. */
    private static Dataset<Row> score(Dataset<Row> images, String imageColumn, byte[] model, int batchSize,
                                      TestTimeAugmentation tta, StructType schema, Output output) {
        int image = images.schema().fieldIndex(imageColumn);
        Broadcast<byte[]> bytes = JavaSparkContext.fromSparkContext(images.sparkSession().sparkContext())
                .broadcast(withoutUpdater(model));
        MapPartitionsFunction<Row, Row> score = rows -> new Iterator<>() {
            private ComputationGraph net;
            private Iterator<Row> batch = java.util.Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                return batch.hasNext() || rows.hasNext();
            }

            @Override
            public Row next() {
                if (!batch.hasNext()) {
                    batch = scoreNext().iterator();
                }
                return batch.next();
            }

            private List<Row> scoreNext() {
                List<Row> in = new ArrayList<>(batchSize);
                List<byte[]> pixels = new ArrayList<>(batchSize);
                while (rows.hasNext() && in.size() < batchSize) {
                    Row r = rows.next();
                    in.add(r);
                    pixels.add(r.getAs(image));
                }
                if (net == null) {
                    net = restore(bytes.value());
                }
                INDArray p = tta.probabilities(net, Minibatches.features(pixels, Normalization.HALF));
                List<Row> out = new ArrayList<>(in.size());
                for (int i = 0; i < in.size(); i++) {
                    out.add(output.of(in.get(i), p.getRow(i).toDoubleVector()));
                }
                return out;
            }
        };
        return images.mapPartitions(score, Encoders.row(schema));
    }

    /** The model's bytes without the updater's state, which scoring does not use: what the executors get. */
    private static byte[] withoutUpdater(byte[] model) {
        try {
            return SavedNetworks.withoutUpdater(model);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the model's entries failed", e);
        }
    }

    private static ComputationGraph restore(byte[] model) {
        try {
            return SavedNetworks.restore(new ByteArrayInputStream(model), false);
        } catch (IOException e) {
            throw new UncheckedIOException("restoring the broadcast model failed", e);
        }
    }
}
