package io.github.sparkresnet.eval;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One epoch's row of the metrics table. {@code run_id} and {@code epoch} are the table's partition
 * columns (they come from the directory names), so they are not stored in {@link #SCHEMA}'s files.
 */
public record EpochMetrics(String runId, int epoch, Instant start, Instant end, double trainLoss, double valLoss,
                           double valAccuracy, List<String> classNames, double[] precision, double[] recall,
                           double[] f1, double rocAuc, long[][] confusion, long trainImages, long valImages,
                           String valTta,
                           double epochSeconds, double trainSeconds, double evalSeconds, double trainImgPerS,
                           int averagingRounds, double learningRate, int workers, int batchSizePerWorker,
                           int averagingFrequency, long seed, Map<String, String> versions,
                           MemoryUsage memory) {

    /** The data columns, in file order. */
    public static final StructType SCHEMA = new StructType(new StructField[] {
        field("start_time", DataTypes.TimestampType),
        field("end_time", DataTypes.TimestampType),
        field("train_loss", DataTypes.DoubleType),
        field("val_loss", DataTypes.DoubleType),
        field("val_accuracy", DataTypes.DoubleType),
        field("class_names", DataTypes.createArrayType(DataTypes.StringType, false)),
        field("precision", DataTypes.createArrayType(DataTypes.DoubleType, false)),
        field("recall", DataTypes.createArrayType(DataTypes.DoubleType, false)),
        field("f1", DataTypes.createArrayType(DataTypes.DoubleType, false)),
        field("roc_auc", DataTypes.DoubleType),
        field("confusion", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.LongType, false), false)),
        field("train_images", DataTypes.LongType),
        field("val_images", DataTypes.LongType),
        field("val_tta", DataTypes.StringType),
        field("epoch_seconds", DataTypes.DoubleType),
        field("train_seconds", DataTypes.DoubleType),
        field("eval_seconds", DataTypes.DoubleType),
        field("train_img_per_s", DataTypes.DoubleType),
        field("averaging_rounds", DataTypes.IntegerType),
        field("learning_rate", DataTypes.DoubleType),
        field("workers", DataTypes.IntegerType),
        field("batch_size_per_worker", DataTypes.IntegerType),
        field("averaging_frequency", DataTypes.IntegerType),
        field("seed", DataTypes.LongType),
        field("versions", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, false)),
        field("driver_rss_bytes", DataTypes.LongType),
        field("driver_offheap_bytes", DataTypes.LongType),
        field("executor_rss_bytes", DataTypes.LongType),
        field("executor_offheap_bytes", DataTypes.LongType),
        field("executor_rss_retained_bytes", DataTypes.LongType),
        field("executor_offheap_retained_bytes", DataTypes.LongType),
    });

    private static StructField field(String name, DataType type) {
        return DataTypes.createStructField(name, type, false);
    }

    public static EpochMetrics of(String runId, int epoch, Instant start, Instant end, double trainLoss,
                                  EvalResult eval, long trainImages, double trainSeconds, int averagingRounds,
                                  double learningRate, int workers, int batchSizePerWorker, int averagingFrequency,
                                  long seed, Map<String, String> versions, MemoryUsage memory) {
        int n = eval.classNames().size();
        double[] precision = new double[n];
        double[] recall = new double[n];
        double[] f1 = new double[n];
        for (int c = 0; c < n; c++) {
            precision[c] = eval.evaluation().precision(c);
            recall[c] = eval.evaluation().recall(c);
            f1[c] = eval.evaluation().f1(c);
        }
        double auc = n == 2 ? eval.roc().calculateAUC() : Double.NaN;
        double epochSeconds = (end.toEpochMilli() - start.toEpochMilli()) / 1000.0;
        return new EpochMetrics(runId, epoch, start, end, trainLoss, eval.meanLoss(), eval.accuracy(),
                eval.classNames(), precision, recall, f1, auc, eval.confusion(), trainImages, eval.examples(),
                eval.tta().label(),
                epochSeconds, trainSeconds, eval.seconds(), trainImages / trainSeconds, averagingRounds, learningRate,
                workers, batchSizePerWorker, averagingFrequency, seed, versions, memory);
    }

    public Row toRow() {
        List<List<Long>> confusionRows = new ArrayList<>();
        for (long[] r : confusion) {
            confusionRows.add(boxed(r));
        }
        return RowFactory.create(Timestamp.from(start), Timestamp.from(end), trainLoss, valLoss, valAccuracy,
                classNames.toArray(new String[0]), boxed(precision), boxed(recall), boxed(f1), rocAuc,
                confusionRows, trainImages, valImages, valTta, epochSeconds, trainSeconds, evalSeconds, trainImgPerS,
                averagingRounds, learningRate, workers, batchSizePerWorker, averagingFrequency, seed,
                versions, memory.driverResidentBytes(), memory.driverOffHeapBytes(), memory.executorResidentBytes(),
                memory.executorOffHeapBytes(), memory.executorResidentRetainedBytes(), memory.executorOffHeapRetainedBytes());
    }

    private static Double[] boxed(double[] a) {
        Double[] b = new Double[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = a[i];
        }
        return b;
    }

    private static List<Long> boxed(long[] a) {
        List<Long> b = new ArrayList<>(a.length);
        for (long v : a) {
            b.add(v);
        }
        return b;
    }

    /** The one-line epoch summary for the log. */
    public String summary(int epochs) {
        return String.format("epoch %d/%d: train_loss=%.4f val_loss=%.4f val_accuracy=%.4f%s auc=%.4f f1=[%s] "
                        + "| %d images in %.1f s = %.1f img/s, %d averaging rounds, eval %.1f s | driver RSS %s, "
                        + "executor RSS %s retained, %s peak",
                epoch, epochs, trainLoss, valLoss, valAccuracy, TestTimeAugmentation.NONE.label().equals(valTta) ? "" : " (tta " + valTta + ")", rocAuc,
                String.format("%.3f, %.3f", f1[0], f1.length > 1 ? f1[1] : Double.NaN),
                trainImages, trainSeconds, trainImgPerS, averagingRounds, evalSeconds,
                megabytes(memory.driverResidentBytes()), megabytes(memory.executorResidentRetainedBytes()),
                megabytes(memory.executorResidentBytes()));
    }

    private static String megabytes(long bytes) {
        return bytes < 0 ? "?" : (bytes >> 20) + " MB";
    }
}
