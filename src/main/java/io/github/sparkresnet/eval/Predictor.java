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
 * {@code predicted_class} and {@code probabilities} (per class, in target order). The model is
 * broadcast once as its serialized bytes and restored once per partition.
 */
public final class Predictor {
    public static final StructType ADDED = new StructType()
            .add("predicted_target", DataTypes.IntegerType, false)
            .add("predicted_class", DataTypes.StringType, false)
            .add("probabilities", DataTypes.createArrayType(DataTypes.DoubleType, false), false);

    private Predictor() {
    }

    public static Dataset<Row> predict(Dataset<Row> images, byte[] model, List<String> classNames, int batchSize) {
        int imageColumn = images.schema().fieldIndex("image");
        StructType schema = images.schema();
        for (var f : ADDED.fields()) {
            schema = schema.add(f);
        }
        Broadcast<byte[]> bytes = JavaSparkContext.fromSparkContext(images.sparkSession().sparkContext()).broadcast(model);
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
                    pixels.add(r.getAs(imageColumn));
                }
                if (net == null) {
                    net = restore(bytes.value());
                }
                INDArray p = net.outputSingle(false, Minibatches.features(pixels, Normalization.HALF));
                List<Row> out = new ArrayList<>(in.size());
                for (int i = 0; i < in.size(); i++) {
                    double[] row = p.getRow(i).toDoubleVector();
                    Double[] probabilities = new Double[row.length];
                    int best = 0;
                    for (int c = 0; c < row.length; c++) {
                        probabilities[c] = row[c];
                        best = row[c] > row[best] ? c : best;
                    }
                    Object[] values = new Object[in.get(i).size() + 3];
                    for (int c = 0; c < in.get(i).size(); c++) {
                        values[c] = in.get(i).get(c);
                    }
                    values[values.length - 3] = best;
                    values[values.length - 2] = classNames.get(best);
                    values[values.length - 1] = probabilities;
                    out.add(RowFactory.create(values));
                }
                return out;
            }
        };
        return images.mapPartitions(score, Encoders.row(schema));
    }

    private static ComputationGraph restore(byte[] model) {
        try {
            return SavedNetworks.restore(new ByteArrayInputStream(model), false);
        } catch (IOException e) {
            throw new UncheckedIOException("restoring the broadcast model failed", e);
        }
    }
}
