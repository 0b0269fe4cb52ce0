package io.github.sparkresnet.ml;

import static org.apache.spark.sql.functions.array_max;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.col;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.data.ImageColumn;
import io.github.sparkresnet.eval.Predictor;
import io.github.sparkresnet.eval.SavedModel;
import io.github.sparkresnet.eval.TestTimeAugmentation;
import io.github.sparkresnet.model.SavedNetworks;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReadable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A trained ResNet34 as a Spark ML {@code Model}: {@link #transform} scores a DataFrame of images on
 * the executors, in batches, adding {@code probability} (class probabilities, an ML {@code Vector} in
 * target order), {@code rawPrediction} (their natural logarithms: the network's logits up to a
 * constant per row, so any ranking of them is the logits' ranking; a probability that underflowed to 0
 * gives ln of the smallest double, -744.4) and {@code prediction} (the most
 * probable target as a double, the first on a tie), under the names of the usual Params.
 *
 * <p>{@code featuresCol} (default {@code image}) holds Spark's image struct
 * ({@code spark.read.format("image")}) or CIFAR-10's 32×32 planar RGB bytes; other sizes are resized
 * on the executors ({@link io.github.sparkresnet.data.ImagePixels}). Undecodable images fail the
 * transform with one message naming the first, unless {@code dropInvalid} is true.
 *
 * <p>Saved with {@code write().save(path)} as Spark's params metadata plus the network's DL4J zip
 * ({@code data/network.zip}), loaded with {@link #load} or inside a saved {@code PipelineModel}.
 */
public final class ResNetClassificationModel extends Model<ResNetClassificationModel> implements MLWritable {
    private static final long serialVersionUID = 1L;
    private static final String NETWORK_FILE = "data/network.zip";
    /**
     * ln p, where a probability that underflowed to 0 counts as the smallest double (ln = -744.4):
     * Spark's {@code log} gives null for 0, which no ML Vector holds.
     */
    private static final scala.Function1<Column, Column> NATURAL_LOG = p -> org.apache.spark.sql.functions.log(
            org.apache.spark.sql.functions.greatest(p, org.apache.spark.sql.functions.lit(Double.MIN_VALUE)));

    private final String uid;
    private final byte[] network;
    private final Param<String> featuresCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> rawPredictionCol;
    private final StringArrayParam classNames;
    private final Param<String> tta;
    private final IntParam batchSize;
    private final BooleanParam dropInvalid;
    private transient Summary summary;

    /**
     * A model of {@code network} (a DL4J ComputationGraph zip, as {@code train} saves its models)
     * whose outputs are the classes {@code classNames}, in target order.
     */
    public ResNetClassificationModel(String uid, byte[] network, List<String> classNames) {
        this.uid = uid;
        this.network = network.clone();
        featuresCol = new Param<>(this, "featuresCol", "image column: Spark's image struct or CIFAR-10's 32x32 "
                + "planar RGB bytes");
        predictionCol = new Param<>(this, "predictionCol", "prediction column name");
        probabilityCol = new Param<>(this, "probabilityCol", "column name for the predicted class probabilities");
        rawPredictionCol = new Param<>(this, "rawPredictionCol", "raw prediction (log-probability) column name");
        this.classNames = new StringArrayParam(this, "classNames", "the classes the outputs stand for, in target order");
        tta = new Param<>(this, "tta", "test-time augmentation: " + TestTimeAugmentation.NAMES,
                ParamValidators.inArray(Arrays.stream(TestTimeAugmentation.values()).map(TestTimeAugmentation::label)
                        .toArray(String[]::new)));
        batchSize = new IntParam(this, "batchSize", "images per forward pass on the executors",
                ParamValidators.gtEq(1));
        dropInvalid = new BooleanParam(this, "dropInvalid", "drop images Spark's image source could not decode "
                + "(logged) instead of failing");
        setDefault(featuresCol, "image");
        setDefault(predictionCol, "prediction");
        setDefault(probabilityCol, "probability");
        setDefault(rawPredictionCol, "rawPrediction");
        setDefault(tta, TestTimeAugmentation.NONE.label());
        setDefault(batchSize, 250);
        setDefault(dropInvalid, false);
        set(this.classNames, classNames.toArray(new String[0]));
    }

    /**
     * The model {@code train} saved at {@code zip} (e.g. {@code OUTPUT/model/RUN/best.zip}, on any
     * Hadoop file system), with the class names and the test-time augmentation its description
     * records; one clear error when it is no such model.
     */
    public static ResNetClassificationModel fromTrainedModel(SparkSession spark, String zip) {
        Path path = new Path(zip);
        try {
            FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            Properties description = SavedModel.description(fs, path, zip);
            byte[] bytes = SavedModel.bytes(fs, path);
            SavedModel.load(bytes, path); // a bad model fails here, clearly, not in every task
            return new ResNetClassificationModel(bytes, SavedModel.classNames(description, path))
                    .setTta(SavedModel.tta(description, path).label());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + zip + " failed", e);
        }
    }

    /** A model with a fresh uid. */
    public ResNetClassificationModel(byte[] network, List<String> classNames) {
        this(Identifiable$.MODULE$.randomUID("resnetClassificationModel"), network, classNames);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> featuresCol() {
        return featuresCol;
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    public Param<String> rawPredictionCol() {
        return rawPredictionCol;
    }

    public StringArrayParam classNames() {
        return classNames;
    }

    public Param<String> tta() {
        return tta;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public BooleanParam dropInvalid() {
        return dropInvalid;
    }

    public ResNetClassificationModel setFeaturesCol(String value) {
        return (ResNetClassificationModel) set(featuresCol, value);
    }

    public ResNetClassificationModel setPredictionCol(String value) {
        return (ResNetClassificationModel) set(predictionCol, value);
    }

    public ResNetClassificationModel setProbabilityCol(String value) {
        return (ResNetClassificationModel) set(probabilityCol, value);
    }

    public ResNetClassificationModel setRawPredictionCol(String value) {
        return (ResNetClassificationModel) set(rawPredictionCol, value);
    }

    public ResNetClassificationModel setTta(String value) {
        return (ResNetClassificationModel) set(tta, value);
    }

    public ResNetClassificationModel setBatchSize(int value) {
        return (ResNetClassificationModel) set(batchSize, value);
    }

    public ResNetClassificationModel setDropInvalid(boolean value) {
        return (ResNetClassificationModel) set(dropInvalid, value);
    }

    /** Whether this model came from {@code ResNetClassifier.fit} in this session (a loaded one has no summary). */
    public boolean hasSummary() {
        return summary != null;
    }

    /**
     * The fit's metrics rows, one per epoch, ordered by epoch: the columns {@code train} writes
     * (val_accuracy, val_loss, roc_auc, train_loss, ...), for the best epoch, curves and early
     * stopping's view of the run. Not saved with the model (as Spark's own model summaries are not).
     */
    public Dataset<Row> summary() {
        if (summary == null) {
            throw new IllegalStateException("no training summary: this model was not fitted in this session");
        }
        return SparkSession.active().createDataFrame(summary.rows(), summary.schema());
    }

    /** The fit's metrics rows and their schema. */
    record Summary(List<Row> rows, StructType schema) implements java.io.Serializable {
    }

    ResNetClassificationModel withSummary(Summary fitted) {
        this.summary = fitted;
        return this;
    }

    /** The network as a DL4J ComputationGraph zip (a copy). */
    public byte[] networkZip() {
        return network.clone();
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return withOutputColumns(schema, this, featuresCol, rawPredictionCol, probabilityCol, predictionCol);
    }

    /**
     * {@code schema} with the three output columns {@code stage}'s Params name, after checking the
     * image column is there and the outputs are not: what the model's {@code transform} gives, and so
     * what the estimator's {@code transformSchema} promises.
     */
    static StructType withOutputColumns(StructType schema, org.apache.spark.ml.param.Params stage,
                                        Param<String> features, Param<String> raw, Param<String> probability,
                                        Param<String> prediction) {
        List<String> present = Arrays.asList(schema.fieldNames());
        String featuresName = stage.getOrDefault(features);
        if (!present.contains(featuresName)) {
            throw new BadInputException("featuresCol '" + featuresName + "': no such column; the columns are "
                    + String.join(", ", schema.fieldNames()));
        }
        for (Param<String> column : List.of(raw, probability, prediction)) {
            if (present.contains(stage.getOrDefault(column))) {
                throw new BadInputException(column.name() + " '" + stage.getOrDefault(column) + "': the input already "
                        + "has a column of that name");
            }
        }
        return schema.add(stage.getOrDefault(raw), SQLDataTypes.VectorType(), false)
                .add(stage.getOrDefault(probability), SQLDataTypes.VectorType(), false)
                .add(stage.getOrDefault(prediction), DataTypes.DoubleType, false);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        String pixels = "_pixels_" + uid;
        String probabilities = "_probabilities_" + uid;
        Dataset<Row> images = ImageColumn.toCifarLayout(dataset.toDF(), $(featuresCol), pixels,
                (Boolean) $(dropInvalid) ? ImageColumn.Undecodable.DROP : ImageColumn.Undecodable.FAIL,
                "Set dropInvalid to true to drop them.");
        Dataset<Row> scored = Predictor.probabilities(images, pixels, probabilities, network, (Integer) $(batchSize),
                TestTimeAugmentation.named($(tta)));
        return scored
                .withColumn($(rawPredictionCol), org.apache.spark.ml.functions.array_to_vector(
                        org.apache.spark.sql.functions.transform(col(probabilities), NATURAL_LOG)))
                .withColumn($(probabilityCol), org.apache.spark.ml.functions.array_to_vector(col(probabilities)))
                .withColumn($(predictionCol), array_position(col(probabilities), array_max(col(probabilities)))
                        .minus(1).cast(DataTypes.DoubleType))
                .drop(pixels, probabilities);
    }

    @Override
    public ResNetClassificationModel copy(ParamMap extra) {
        ResNetClassificationModel copy = new ResNetClassificationModel(uid, network, List.of($(classNames)));
        copy.summary = summary;
        return copyValues(copy, extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    /** Spark ML's reader, as {@code PipelineModel.load} finds it. */
    public static MLReader<ResNetClassificationModel> read() {
        return new Reader();
    }

    public static ResNetClassificationModel load(String path) {
        return read().load(path);
    }

    /** Params as Spark's metadata JSON, the network beside it. */
    private static final class Writer extends MLWriter {
        private final ResNetClassificationModel model;

        Writer(ResNetClassificationModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter$.MODULE$.saveMetadata(model, path, sc(), scala.Option.empty(), scala.Option.empty());
            Path file = new Path(path, NETWORK_FILE);
            try {
                FileSystem fs = file.getFileSystem(sc().hadoopConfiguration());
                try (OutputStream out = fs.create(file, true)) {
                    out.write(model.network);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("writing " + file + " failed", e);
            }
        }
    }

    private static final class Reader extends MLReader<ResNetClassificationModel> {
        @Override
        public ResNetClassificationModel load(String path) {
            DefaultParamsReader.Metadata metadata = org.apache.spark.ml.util.DefaultParamsReader$.MODULE$
                    .loadMetadata(path, sc(), ResNetClassificationModel.class.getName());
            Path file = new Path(path, NETWORK_FILE);
            byte[] network;
            try (InputStream in = file.getFileSystem(sc().hadoopConfiguration()).open(file)) {
                network = in.readAllBytes();
            } catch (IOException e) {
                throw new BadInputException(path + ": no readable " + NETWORK_FILE + "; expected a model saved by "
                        + "ResNetClassificationModel.write()", e);
            }
            try {
                SavedNetworks.restore(new ByteArrayInputStream(network), false);
            } catch (Exception e) {
                throw new BadInputException(file + ": not a readable DL4J ComputationGraph (" + e + ")", e);
            }
            ResNetClassificationModel model = new ResNetClassificationModel(metadata.uid(), network, List.of());
            metadata.getAndSetParams(model, scala.Option.empty());
            return model;
        }
    }
}
