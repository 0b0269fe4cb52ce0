package io.github.sparkresnet.eval;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.nd4j.evaluation.classification.Evaluation;

/**
 * One epoch's row of the metrics table: what the epoch's training did, how the test split scored,
 * the run's settings, versions and memory. {@link #COLUMNS} is the one definition of the table's
 * columns (name, type, value); {@code run_id} and {@code epoch} are the table's partition columns
 * (they come from the directory names), so they are not stored in the files.
 */
public record EpochMetrics(String runId, int epoch, Instant start, Instant end, EvalResult eval, Training training,
                           Settings settings, Map<String, String> versions, MemoryUsage memory) {

    /**
     * What training did in the epoch: its rounds and the fewest and most workers a round had (fewer
     * than planned while lost executors were not replaced); {@link #NONE} for a saved model that
     * {@code evaluate} scores.
     */
    public record Training(double loss, long images, double seconds, int averagingRounds, int workersMin,
                           int workersMax) {
        public static final Training NONE = new Training(Double.NaN, 0, Double.NaN, 0, 0, 0);
    }

    /**
     * The run's settings each row repeats, so rows of different runs compare without their checkpoints:
     * the epoch's learning rate, the resolved workers, the common settings as columns of their own,
     * every train option as recorded ({@code options}, by option name), and which split was scored
     * ({@code valSplit}: test, or validation images held out of the training split).
     */
    public record Settings(double learningRate, int workers, int batchSizePerWorker, int averagingFrequency, long seed,
                           String valSplit, Map<String, String> options) {
    }

    private record Column(String name, DataType type, Function<EpochMetrics, Object> value) {
    }

    private static final DataType DOUBLES = DataTypes.createArrayType(DataTypes.DoubleType, false);

    /** The data columns, in file order: the only place a column is defined. */
    private static final List<Column> COLUMNS = List.of(
            column("start_time", DataTypes.TimestampType, m -> Timestamp.from(m.start)),
            column("end_time", DataTypes.TimestampType, m -> Timestamp.from(m.end)),
            column("train_loss", DataTypes.DoubleType, m -> m.training.loss()),
            column("val_loss", DataTypes.DoubleType, m -> m.eval.meanLoss()),
            column("val_accuracy", DataTypes.DoubleType, m -> m.eval.accuracy()),
            column("class_names", DataTypes.createArrayType(DataTypes.StringType, false),
                    m -> m.eval.classNames().toArray(new String[0])),
            column("precision", DOUBLES, m -> m.perClass(Evaluation::precision)),
            column("recall", DOUBLES, m -> m.perClass(Evaluation::recall)),
            column("f1", DOUBLES, m -> m.perClass(Evaluation::f1)),
            column("roc_auc", DataTypes.DoubleType, EpochMetrics::rocAuc),
            column("confusion", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.LongType, false), false),
                    m -> m.confusionRows()),
            column("train_images", DataTypes.LongType, m -> m.training.images()),
            column("val_images", DataTypes.LongType, m -> m.eval.examples()),
            column("val_tta", DataTypes.StringType, m -> m.eval.tta().label()),
            column("val_split", DataTypes.StringType, m -> m.settings.valSplit()),
            column("epoch_seconds", DataTypes.DoubleType, EpochMetrics::epochSeconds),
            column("train_seconds", DataTypes.DoubleType, m -> m.training.seconds()),
            column("eval_seconds", DataTypes.DoubleType, m -> m.eval.seconds()),
            column("train_img_per_s", DataTypes.DoubleType, EpochMetrics::trainImgPerS),
            column("averaging_rounds", DataTypes.IntegerType, m -> m.training.averagingRounds()),
            column("learning_rate", DataTypes.DoubleType, m -> m.settings.learningRate()),
            column("workers", DataTypes.IntegerType, m -> m.settings.workers()),
            column("workers_min", DataTypes.IntegerType, m -> m.training.workersMin()),
            column("workers_max", DataTypes.IntegerType, m -> m.training.workersMax()),
            column("batch_size_per_worker", DataTypes.IntegerType, m -> m.settings.batchSizePerWorker()),
            column("averaging_frequency", DataTypes.IntegerType, m -> m.settings.averagingFrequency()),
            column("seed", DataTypes.LongType, m -> m.settings.seed()),
            column("train_options", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, false),
                    m -> m.settings.options()),
            column("versions", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, false), m -> m.versions),
            column("driver_rss_bytes", DataTypes.LongType, m -> m.memory.driverResidentBytes()),
            column("driver_offheap_bytes", DataTypes.LongType, m -> m.memory.driverOffHeapBytes()),
            column("executor_rss_bytes", DataTypes.LongType, m -> m.memory.executorResidentBytes()),
            column("executor_offheap_bytes", DataTypes.LongType, m -> m.memory.executorOffHeapBytes()),
            column("executor_rss_retained_bytes", DataTypes.LongType, m -> m.memory.executorResidentRetainedBytes()),
            column("executor_offheap_retained_bytes", DataTypes.LongType, m -> m.memory.executorOffHeapRetainedBytes()));

    /** The data columns' schema, in file order. */
    public static final StructType SCHEMA = new StructType(COLUMNS.stream()
            .map(c -> DataTypes.createStructField(c.name(), c.type(), false)).toArray(StructField[]::new));

    private static Column column(String name, DataType type, Function<EpochMetrics, Object> value) {
        return new Column(name, type, value);
    }

    /** The row's values, in {@link #SCHEMA}'s order. */
    public Row toRow() {
        return RowFactory.create(COLUMNS.stream().map(c -> c.value().apply(this)).toArray());
    }

    /** ROC AUC of class 1, ties counted half (defined for a pair only). */
    public double rocAuc() {
        return eval.rocAuc();
    }

    public double epochSeconds() {
        return (end.toEpochMilli() - start.toEpochMilli()) / 1000.0;
    }

    public double trainImgPerS() {
        return training.images() / training.seconds();
    }

    private Double[] perClass(java.util.function.ToDoubleBiFunction<Evaluation, Integer> metric) {
        Double[] values = new Double[eval.classNames().size()];
        for (int c = 0; c < values.length; c++) {
            values[c] = metric.applyAsDouble(eval.evaluation(), c);
        }
        return values;
    }

    private List<List<Long>> confusionRows() {
        List<List<Long>> rows = new ArrayList<>();
        for (long[] r : eval.confusion()) {
            List<Long> row = new ArrayList<>(r.length);
            for (long v : r) {
                row.add(v);
            }
            rows.add(row);
        }
        return rows;
    }

    /** The one-line epoch summary for the log. */
    public String summary(int epochs) {
        Double[] f1 = perClass(Evaluation::f1);
        String tta = eval.tta() == TestTimeAugmentation.NONE ? "" : " (tta " + eval.tta().label() + ")";
        tta += "test".equals(settings.valSplit()) ? "" : " on " + settings.valSplit();
        return String.format("epoch %d/%d: train_loss=%.4f val_loss=%.4f val_accuracy=%.4f%s auc=%.4f f1=[%s] "
                        + "| %d images in %.1f s = %.1f img/s, %d averaging rounds, eval %.1f s | driver RSS %s, "
                        + "executor RSS %s retained, %s peak",
                epoch, epochs, training.loss(), eval.meanLoss(), eval.accuracy(), tta, rocAuc(),
                String.format("%.3f, %.3f", f1[0], f1.length > 1 ? f1[1] : Double.NaN),
                training.images(), training.seconds(), trainImgPerS(), training.averagingRounds(), eval.seconds(),
                megabytes(memory.driverResidentBytes()), megabytes(memory.executorResidentRetainedBytes()),
                megabytes(memory.executorResidentBytes()));
    }

    private static String megabytes(long bytes) {
        return bytes < 0 ? "?" : (bytes >> 20) + " MB";
    }
}
