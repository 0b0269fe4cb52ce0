package io.github.sparkresnet.ml;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.data.ImageColumn;
import io.github.sparkresnet.eval.MetricsTable;
import io.github.sparkresnet.spark.Nd4jSetup;
import io.github.sparkresnet.train.Checkpoints;
import io.github.sparkresnet.train.Recipe;
import io.github.sparkresnet.train.TrainConfig;
import io.github.sparkresnet.train.TrainingJob;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training job as a Spark ML {@code Estimator}: {@link #fit} trains the ResNet34 on a DataFrame of
 * labelled images across the session's executors with the same training loop, averaging and recovery
 * as {@code train} ({@link TrainingJob}), and returns a {@link ResNetClassificationModel}.
 *
 * <p>Columns, under Spark's standard Params: {@code featuresCol} (default {@code image}: Spark's image
 * struct or CIFAR-10's 32×32 planar RGB bytes), {@code labelCol} (default {@code label}: numeric 0/1;
 * string labels through a {@code StringIndexer} before it, whose labels become the class names),
 * {@code validationIndicatorCol} (a boolean column: the rows marked true are scored after every epoch
 * instead of being trained on, as {@code train} scores its test split: the metrics rows, the best
 * epoch, early stopping); and for the model, {@code predictionCol}, {@code probabilityCol},
 * {@code rawPredictionCol}, {@code dropInvalid}.
 *
 * <p>Every {@code train} option but those choosing the images is a Param of the same meaning, default
 * and checks, named in camelCase ({@code --batch-size-per-worker} is {@code batchSizePerWorker};
 * {@link TrainParams}): set them with {@link #setOption} or Spark's {@code set(getParam(name), value)}.
 * {@code recipe} ({@link #setRecipe}) takes one of {@code train --recipe}'s named recipes: its values
 * replace the defaults of the Params not set, as {@code --recipe} does under the command line's options.
 * With {@code output} (and {@code runId}) set, a fit leaves what {@code train} leaves there (metrics
 * Parquet written after every epoch, checkpoints, best and final models) and {@code resume} continues
 * it; unset, it trains in a temporary directory removed after the fit. Either way the model's
 * {@link ResNetClassificationModel#summary()} holds the epochs' metrics rows.
 *
 * <p>Saved and loaded with Spark's default params persistence ({@code write().save(path)},
 * {@link #load}), alone or in a {@code Pipeline}.
 */
public final class ResNetClassifier extends Estimator<ResNetClassificationModel> implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ResNetClassifier.class);

    private final String uid;
    private final Param<String> featuresCol;
    private final Param<String> labelCol;
    private final Param<String> validationIndicatorCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> rawPredictionCol;
    private final BooleanParam dropInvalid;
    private final Param<String> recipe;
    private final TrainParams train;
    private final Param<?>[] params;

    public ResNetClassifier() {
        this(Identifiable$.MODULE$.randomUID("resnetClassifier"));
    }

    public ResNetClassifier(String uid) {
        this.uid = uid;
        featuresCol = new Param<>(this, "featuresCol", "image column: Spark's image struct or CIFAR-10's 32x32 "
                + "planar RGB bytes");
        labelCol = new Param<>(this, "labelCol", "label column: 0 or 1 (a StringIndexer's output for string labels)");
        validationIndicatorCol = new Param<>(this, "validationIndicatorCol", "boolean column: rows marked true are "
                + "scored after every epoch instead of being trained on");
        predictionCol = new Param<>(this, "predictionCol", "prediction column name");
        probabilityCol = new Param<>(this, "probabilityCol", "column name for the predicted class probabilities");
        rawPredictionCol = new Param<>(this, "rawPredictionCol", "raw prediction (log-probability) column name");
        dropInvalid = new BooleanParam(this, "dropInvalid", "drop images Spark's image source could not decode "
                + "(logged) instead of failing");
        recipe = new Param<>(this, "recipe", "a named recipe of train option defaults shipped with the job, as train "
                + "--recipe takes it: one of " + String.join(", ", Recipe.NAMES) + "; its values replace the "
                + "defaults of the Params not set (unset: the built-in defaults)");
        setDefault(featuresCol, "image");
        setDefault(labelCol, "label");
        setDefault(predictionCol, "prediction");
        setDefault(probabilityCol, "probability");
        setDefault(rawPredictionCol, "rawPrediction");
        setDefault(dropInvalid, false);
        train = new TrainParams(this);
        for (Map.Entry<Param<?>, Object> d : train.defaults().entrySet()) {
            setDefaultUnchecked(d.getKey(), d.getValue());
        }
        List<Param<?>> all = new ArrayList<>(List.of(featuresCol, labelCol, validationIndicatorCol, predictionCol,
                probabilityCol, rawPredictionCol, dropInvalid, recipe));
        all.addAll(train.params());
        params = all.toArray(new Param<?>[0]);
    }

    @SuppressWarnings("unchecked")
    private void setDefaultUnchecked(Param<?> param, Object value) {
        setDefault((Param<Object>) param, value);
    }

    @Override
    public String uid() {
        return uid;
    }

    /** The Params: the columns', the recipe, then one per train option ({@link TrainParams}). */
    @Override
    public Param<?>[] params() {
        return params.clone();
    }

    /** The train options' Params and their way back to a {@link TrainConfig}. */
    TrainParams trainParams() {
        return train;
    }

    /** The Param of a train option, by the option's name ({@code "--epochs"}); null for those the DataFrame replaces. */
    public Param<?> optionParam(String option) {
        return train.of(option);
    }

    /**
     * Sets a Param by name (its own, e.g. {@code "batchSizePerWorker"}, or its train option's,
     * {@code "--batch-size-per-worker"}), converting a number to the Param's type and anything else
     * to the text the option takes: {@code setOption("augment", "crop-flip").setOption("epochs", 10)}.
     */
    public ResNetClassifier setOption(String name, Object value) {
        Param<?> param = name.startsWith("--") ? train.of(name) : hasParam(name) ? getParam(name) : null;
        if (param == null) {
            throw new BadInputException("ResNetClassifier has no Param '" + name + "'; its Params: "
                    + String.join(", ", java.util.Arrays.stream(params).map(Param::name).toList()));
        }
        Object typed;
        if (param instanceof IntParam && value instanceof Number n) {
            typed = n.intValue();
        } else if (param instanceof LongParam && value instanceof Number n) {
            typed = n.longValue();
        } else if (param instanceof DoubleParam && value instanceof Number n) {
            typed = n.doubleValue();
        } else if (param instanceof BooleanParam && value instanceof Boolean b) {
            typed = b;
        } else if (TrainParams.takesText(param) && value != null) {
            typed = value instanceof Enum<?> e ? e.name().toLowerCase(java.util.Locale.ROOT) : value.toString();
        } else {
            throw new BadInputException("ResNetClassifier Param " + param.name() + ": expected a "
                    + param.getClass().getSimpleName().replace("Param", "").toLowerCase(java.util.Locale.ROOT)
                    + "; found " + value);
        }
        @SuppressWarnings("unchecked")
        Param<Object> p = (Param<Object>) param;
        return (ResNetClassifier) set(p, typed);
    }

    public ResNetClassifier setFeaturesCol(String value) {
        return (ResNetClassifier) set(featuresCol, value);
    }

    public ResNetClassifier setLabelCol(String value) {
        return (ResNetClassifier) set(labelCol, value);
    }

    public ResNetClassifier setValidationIndicatorCol(String value) {
        return (ResNetClassifier) set(validationIndicatorCol, value);
    }

    public ResNetClassifier setPredictionCol(String value) {
        return (ResNetClassifier) set(predictionCol, value);
    }

    public ResNetClassifier setProbabilityCol(String value) {
        return (ResNetClassifier) set(probabilityCol, value);
    }

    public ResNetClassifier setRawPredictionCol(String value) {
        return (ResNetClassifier) set(rawPredictionCol, value);
    }

    public ResNetClassifier setDropInvalid(boolean value) {
        return (ResNetClassifier) set(dropInvalid, value);
    }

    /**
     * Train with a named recipe's option defaults ({@code "quarter-hour"}: {@code train --recipe}'s
     * names): the Params set on this estimator keep their values, the others take the recipe's.
     */
    public ResNetClassifier setRecipe(String name) {
        recipeOptions(name);
        return (ResNetClassifier) set(recipe, name);
    }

    public Param<String> recipe() {
        return recipe;
    }

    private static Properties recipeOptions(String name) {
        return Recipe.load(name, "ResNetClassifier Param recipe");
    }

    public Param<String> featuresCol() {
        return featuresCol;
    }

    public Param<String> labelCol() {
        return labelCol;
    }

    public Param<String> validationIndicatorCol() {
        return validationIndicatorCol;
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

    public BooleanParam dropInvalid() {
        return dropInvalid;
    }

    /**
     * The run's settings from the Params, checked as {@code train} checks them; the classes are the
     * label's 0 and 1.
     */
    TrainConfig trainConfig(String output, String runId) {
        Properties recipeOptions = isDefined(recipe) ? recipeOptions($(recipe)) : new Properties();
        try {
            return train.toConfig(this, recipeOptions,
                    List.of("--classes=0,1", "--output=" + output, "--run-id=" + runId))
                    .validateTraining();
        } catch (BadInputException e) {
            throw new BadInputException("ResNetClassifier Params (each named after its train option): "
                    + e.getMessage(), e);
        }
    }

    @Override
    public StructType transformSchema(StructType schema) {
        LabelledImages.requireLabelColumn(schema, $(labelCol));
        return ResNetClassificationModel.withOutputColumns(schema, this, featuresCol, rawPredictionCol, probabilityCol,
                predictionCol);
    }

    @Override
    public ResNetClassificationModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        SparkSession spark = dataset.sparkSession();
        boolean temporary = !isDefined(train.of("--output"));
        Path scratch = temporary ? scratchDirectory(spark) : null;
        String output = temporary ? scratch.toString() : (String) getOrDefault(train.of("--output"));
        String runId = isDefined(train.of("--run-id")) ? (String) getOrDefault(train.of("--run-id"))
                : "fit-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        TrainConfig config = trainConfig(output, runId);
        LabelledImages images = LabelledImages.of(dataset.toDF(), $(featuresCol), $(labelCol),
                isDefined(validationIndicatorCol) ? $(validationIndicatorCol) : null,
                (Boolean) $(dropInvalid) ? ImageColumn.Undecodable.DROP : ImageColumn.Undecodable.FAIL);
        Nd4jSetup.configure("driver");
        TrainingJob job = new TrainingJob(spark, config, images);
        TrainingJob.Plan plan = null;
        try {
            plan = job.plan();
            ComputationGraph net = job.run(plan);
            List<Row> rows = new MetricsTable(spark, output).rows(runId);
            ResNetClassificationModel model = new ResNetClassificationModel(uid, Checkpoints.serialize(net),
                    images.classNames());
            copyValues(model, ParamMap.empty()); // the shared column Params and dropInvalid
            model.setTta(config.evaluation.tta.label()).setBatchSize(config.evaluation.batchSize);
            if (!rows.isEmpty()) {
                model.withSummary(new ResNetClassificationModel.Summary(rows, rows.get(0).schema()));
            }
            return (ResNetClassificationModel) model.setParent(this);
        } finally {
            if (plan != null) {
                plan.release();
            }
            if (temporary) {
                delete(spark, scratch);
            }
        }
    }

    /** A fresh directory on the default file system (the cluster's, so executors write there too). */
    private Path scratchDirectory(SparkSession spark) {
        try {
            FileSystem fs = FileSystem.get(spark.sparkContext().hadoopConfiguration());
            return fs.makeQualified(new Path("_spark-resnet-fit-" + UUID.randomUUID()));
        } catch (IOException e) {
            throw new UncheckedIOException("the default file system cannot be reached", e);
        }
    }

    private static void delete(SparkSession spark, Path dir) {
        try {
            dir.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(dir, true);
        } catch (IOException e) {
            LOG.warn("could not remove the fit's temporary output {}: {}", dir, e.toString());
        }
    }

    @Override
    public ResNetClassifier copy(ParamMap extra) {
        return copyValues(new ResNetClassifier(uid), extra);
    }

    /** Spark ML's reader, as {@code Pipeline.load} finds it. */
    public static MLReader<ResNetClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static ResNetClassifier load(String path) {
        return read().load(path);
    }
}
