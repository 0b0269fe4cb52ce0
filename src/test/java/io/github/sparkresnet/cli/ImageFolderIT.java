package io.github.sparkresnet.cli;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.ClassPair;
import io.github.sparkresnet.data.ImageFolder;
import io.github.sparkresnet.data.ImageFolders;
import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.spark.TestSpark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --images} on a folder of real CIFAR-10 airplanes and birds as PNG files (with a
 * third class it must not read), then evaluate, predict and report on that run: every command
 * holds out the same images.
 */
class ImageFolderIT {
    private static final SparkSession spark = TestSpark.get();

    @TempDir
    static Path tmp;
    private static Path folder;

    @BeforeAll
    static void folder() throws Exception {
        folder = ImageFolders.writeCifar(RealCifar.dir().resolve("data_batch_1.bin"), List.of("airplane", "bird", "cat"),
                90, tmp.resolve("images"));
    }

    @Test
    void trainEvaluatePredictAndReportOnAFolderOfImages() throws Exception {
        Path out = tmp.resolve("runs");
        CommandLineRunner train = CommandLineRunner.run("train", "--images", folder.toString(), "--output",
                out.toString(), "--run-id", "folder", "--epochs", "2", "--batch-size-per-worker", "16",
                "--averaging-frequency", "3", "--test-fraction", "0.25", "--master", "local[2]");
        assertEquals(0, train.exitCode(), train.err());

        Dataset<Row> pair = ClassPair.parse("airplane,bird", List.of("airplane", "bird", "cat"))
                .select(ImageFolder.resolve(folder.toString(), 0.25, 0, spark.sparkContext().hadoopConfiguration())
                        .read(spark));
        long trainImages = pair.filter(col("split").equalTo("train")).count();
        long testImages = pair.filter(col("split").equalTo("test")).count();
        assertEquals(180, trainImages + testImages);
        assertTrue(testImages > 20 && testImages < 70, "about a quarter held out: " + testImages);

        List<Row> rows = spark.read().parquet(out.resolve("metrics").toString()).filter("run_id = 'folder'")
                .orderBy("epoch").collectAsList();
        assertEquals(2, rows.size());
        for (Row r : rows) {
            assertEquals(trainImages, (long) r.getAs("train_images"), "each training image once per epoch");
            assertEquals(testImages, (long) r.getAs("val_images"));
            assertEquals(List.of("airplane", "bird"), r.getList(r.fieldIndex("class_names")));
        }

        String model = out.resolve("model/folder/final.zip").toString();
        CommandLineRunner evaluate = CommandLineRunner.run("evaluate", "--model", model, "--images", folder.toString(),
                "--test-fraction", "0.25", "--output", out.toString(), "--master", "local[2]");
        assertEquals(0, evaluate.exitCode(), evaluate.err());
        Row scored = spark.read().parquet(out.resolve("metrics").toString()).filter("run_id = 'folder-eval'").first();
        assertEquals(testImages, (long) scored.getAs("val_images"));
        assertEquals((double) rows.get(1).getAs("val_accuracy"), (double) scored.getAs("val_accuracy"), 1e-9,
                "the same held-out images, the same network, the same evaluator");
        assertEquals((double) rows.get(1).getAs("val_loss"), (double) scored.getAs("val_loss"), 0.0,
                "scored in the same batches: the same loss to the last bit");

        Path predictions = tmp.resolve("predictions");
        CommandLineRunner predict = CommandLineRunner.run("predict", "--model", model, "--images", folder.toString(),
                "--test-fraction", "0.25", "--output", predictions.toString(), "--master", "local[2]");
        assertEquals(0, predict.exitCode(), predict.err());
        List<Row> predicted = spark.read().parquet(predictions.toString()).collectAsList();
        assertEquals(testImages, predicted.size());
        long right = predicted.stream().filter(r -> r.<Integer>getAs("predicted_target").equals(r.getAs("target")))
                .count();
        assertEquals((double) scored.getAs("val_accuracy"), right / (double) testImages, 1e-9);
        assertTrue(predicted.stream().allMatch(r -> r.<String>getAs("source_file").endsWith(".png")));

        CommandLineRunner report = CommandLineRunner.run("report", "--output", out.toString(), "--run-id", "folder",
                "--to", tmp.resolve("report").toString());
        assertEquals(0, report.exitCode(), report.err());
        assertTrue(Files.list(tmp.resolve("report")).findAny().isPresent());
    }
}
