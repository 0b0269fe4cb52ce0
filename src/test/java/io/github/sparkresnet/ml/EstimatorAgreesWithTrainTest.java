package io.github.sparkresnet.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.sparkresnet.cli.CommandLineRunner;
import io.github.sparkresnet.data.ImageFolders;
import io.github.sparkresnet.spark.TestSpark;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One training path: the same images through {@code train --images} and through the estimator (a
 * StringIndexer, Spark's image source, another order and partitioning of the rows), with the same
 * seed and settings, give the same metrics rows, value for value.
 */
class EstimatorAgreesWithTrainTest {
    /** What differs between any two runs: when and how fast they ran, and the memory they found. */
    private static final List<String> RUN_SPECIFIC = List.of("run_id", "start_time", "end_time", "epoch_seconds",
            "train_seconds", "eval_seconds", "train_img_per_s", "versions", "driver_rss_bytes", "driver_offheap_bytes",
            "executor_rss_bytes", "executor_offheap_bytes", "executor_rss_retained_bytes",
            "executor_offheap_retained_bytes");

    /** Where the two runs said their images come from: checked on their own below. */
    private static final List<String> IMAGES_NAMED = List.of("val_split", "train_options");

    @TempDir
    Path dir;

    @Test
    void trainImagesAndTheEstimatorWriteTheSameMetricsRows() throws Exception {
        SparkSession spark = TestSpark.get();
        Path images = dir.resolve("pets");
        ImageFolders.writeColours(images.resolve("train"), List.of("cat", "dog"), 10, 20);
        ImageFolders.writeColours(images.resolve("test"), List.of("cat", "dog"), 3, 20);
        Path out = dir.resolve("runs");
        String[] settings = {"--epochs", "2", "--batch-size-per-worker", "4", "--averaging-frequency", "2",
            "--seed", "11", "--augment", "crop-flip", "--progress-seconds", "60"};

        List<String> train = new java.util.ArrayList<>(List.of("train", "--images", images.toString(), "--classes",
                "cat,dog", "--output", out.toString(), "--run-id", "cli"));
        train.addAll(List.of(settings));
        CommandLineRunner r = CommandLineRunner.run(train.toArray(new String[0]));
        assertEquals(0, r.exitCode(), r.err());

        Dataset<Row> frame = spark.read().format("image").option("recursiveFileLookup", true).load(images.toString())
                .withColumn("name", regexp_extract(col("image.origin"), "/(cat|dog)/", 1))
                .withColumn("isVal", col("image.origin").contains("/test/"));
        ResNetClassifier classifier = new ResNetClassifier().setValidationIndicatorCol("isVal")
                .setOption("output", out.toString()).setOption("runId", "estimator");
        for (int i = 0; i < settings.length; i += 2) {
            classifier.setOption(settings[i], typed(classifier, settings[i], settings[i + 1]));
        }
        new Pipeline().setStages(new PipelineStage[] {
            new StringIndexer().setInputCol("name").setOutputCol("label").setStringOrderType("alphabetAsc"),
            classifier}).fit(frame);

        List<Row> cli = rows(spark, out, "cli");
        List<Row> estimator = rows(spark, out, "estimator");
        assertEquals(2, cli.size());
        assertEquals(cli.size(), estimator.size());
        for (int i = 0; i < cli.size(); i++) {
            for (String column : cli.get(i).schema().fieldNames()) {
                if (!RUN_SPECIFIC.contains(column) && !IMAGES_NAMED.contains(column)) {
                    assertEquals(cli.get(i).getAs(column).toString(), estimator.get(i).getAs(column).toString(),
                            "epoch " + (i + 1) + " " + column);
                }
            }
            assertEquals("test", cli.get(i).getAs("val_split"));
            assertEquals("validation", estimator.get(i).getAs("val_split"), "the estimator scores its validation rows");
            java.util.Map<String, String> cliOptions = new java.util.HashMap<>(options(cli.get(i)));
            java.util.Map<String, String> estimatorOptions = new java.util.HashMap<>(options(estimator.get(i)));
            assertEquals("cat,dog", cliOptions.get("classes"));
            for (String named : List.of("images", "classes", "run-id")) { // the DataFrame and the Params name them
                cliOptions.remove(named);
                estimatorOptions.remove(named);
            }
            assertEquals(cliOptions, estimatorOptions, "epoch " + (i + 1) + ": the same training options");
        }
    }

    private static java.util.Map<String, String> options(Row row) {
        return row.getJavaMap(row.fieldIndex("train_options"));
    }

    /** A command-line value as its Param's type. */
    private static Object typed(ResNetClassifier classifier, String option, String value) {
        return switch (classifier.optionParam(option).getClass().getSimpleName()) {
            case "IntParam" -> Integer.parseInt(value);
            case "LongParam" -> Long.parseLong(value);
            case "DoubleParam" -> Double.parseDouble(value);
            default -> value;
        };
    }

    private static List<Row> rows(SparkSession spark, Path out, String runId) {
        return spark.read().parquet(out.resolve("metrics").toString()).filter(col("run_id").equalTo(runId))
                .orderBy("epoch").collectAsList();
    }
}
