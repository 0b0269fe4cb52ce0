package io.github.sparkresnet.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.data.ClassPair;
import io.github.sparkresnet.data.DataOptions;
import io.github.sparkresnet.data.ImageColumn;
import io.github.sparkresnet.data.ImageSource;
import io.github.sparkresnet.eval.DirectorySwap;
import io.github.sparkresnet.eval.Predictor;
import io.github.sparkresnet.spark.Nd4jSetup;
import io.github.sparkresnet.eval.SavedModel;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code predict}: score CIFAR-format data with a saved model on the executors and write one row per
 * image to Parquet: source_file, record_index, split, label, label_name, target (the pair's 0/1, null
 * for other classes), predicted_target, predicted_class, probabilities.
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Score CIFAR-10 binary data with a saved model on the executors; write predictions to Parquet.")
final class PredictCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Mixin
    DataOptions data;

    @Option(names = "--split", defaultValue = "test", paramLabel = "SPLIT",
            description = "test, train or all. Default: ${DEFAULT-VALUE}.")
    String split;

    @Option(names = "--all-classes",
            description = "Score every record, not only those of the model's two classes (their target is null).")
    boolean allClasses;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "Parquet directory for the predictions; replaced atomically if it exists.")
    String output;

    @Option(names = "--batch-size", defaultValue = "250", paramLabel = "N",
            description = "Images per forward pass on the executors. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Mixin
    SparkMaster master;

    @Override
    public Integer call() throws IOException {
        if (!split.equals("test") && !split.equals("train") && !split.equals("all")) {
            throw new BadInputException("--split " + split + ": expected test, train or all");
        }
        if (batchSize < 1) {
            throw new BadInputException("--batch-size " + batchSize + ": expected a whole number of at least 1");
        }
        data.validate();
        SparkSession spark = master.session("spark-resnet predict");
        Nd4jSetup.configure("driver");
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Path modelPath = new Path(model.path);
        FileSystem fs = modelPath.getFileSystem(hadoop);
        String classes = SavedModel.classes(SavedModel.description(fs, modelPath, "--model " + model.path), modelPath);
        byte[] bytes = SavedModel.bytes(fs, modelPath);
        SavedModel.load(bytes, modelPath); // a bad model fails here, clearly, not in every task
        ImageSource source = data.source(hadoop);
        ClassPair pair = ClassPair.parse(classes, source.classNames());
        Dataset<Row> all = source.read(spark);
        Dataset<Row> rows = split.equals("all") ? all : all.filter(col("split").equalTo(split));
        rows = allClasses ? rows.withColumn(ClassPair.TARGET,
                when(col("label").equalTo(pair.firstLabel()), lit(0))
                        .when(col("label").equalTo(pair.secondLabel()), lit(1)))
                : pair.select(rows);
        rows = ImageColumn.requireDecoded(rows, source, data.shown());
        Dataset<Row> predictions = Predictor.predict(rows, bytes, pair.names(), batchSize).drop("image");
        long n = writeAtomically(predictions, new Path(output), hadoop);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("predicted %d images of %s with %s -> %s%n", n, pair, model.path, output);
        out.flush();
        return 0;
    }

    /** Writes next to the target, then swaps it in: readers see the old predictions or the new, never half. */
    private static long writeAtomically(Dataset<Row> predictions, Path target, Configuration hadoop) throws IOException {
        FileSystem fs = target.getFileSystem(hadoop);
        Path staging = new Path(target.getParent(), "_" + target.getName() + "-" + UUID.randomUUID());
        predictions.write().parquet(staging.toString());
        Path old = new Path(target.getParent(), "_" + target.getName() + "-old-" + UUID.randomUUID());
        if (DirectorySwap.replace(fs, staging, target, old)) {
            fs.delete(old, true);
        }
        return predictions.sparkSession().read().parquet(target.toString()).count();
    }
}
