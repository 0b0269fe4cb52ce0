package io.github.sparkresnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.spark.TestSpark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real training on local[2]: a small airplane/bird subset, two epochs, then resume. */
class TrainingIT {
    private static final SparkSession spark = TestSpark.get();
    private static String data;

    @TempDir
    Path out;

    @BeforeAll
    static void data() throws Exception {
        data = RealCifar.dir().toString();
    }

    private CommandLineRunner train(String runId, int epochs, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--data", data, "--output", out.toString(),
                "--run-id", runId, "--epochs", Integer.toString(epochs), "--limit-train", "200", "--limit-test", "100",
                "--batch-size-per-worker", "16", "--averaging-frequency", "3", "--progress-seconds", "5"));
        args.addAll(List.of(extra));
        return CommandLineRunner.run(args.toArray(new String[0]));
    }

    private List<Row> rows(String runId) {
        return spark.read().parquet(out.resolve("metrics").toString())
                .filter("run_id = '" + runId + "'").orderBy("epoch").collectAsList();
    }

    @Test
    void twoEpochsThenResumeKeepExactlyOneRowPerEpoch() throws Exception {
        assertEquals(0, train("r1", 1).exitCode());
        assertEquals(1, rows("r1").size());
        assertTrue(Files.exists(out.resolve("checkpoints/r1/epoch-0001.zip")));

        // resume to 2 epochs: epoch 2 only
        assertEquals(0, train("r1", 2, "--resume").exitCode());
        List<Row> rows = rows("r1");
        assertEquals(2, rows.size());
        for (int i = 0; i < 2; i++) {
            Row r = rows.get(i);
            assertEquals(i + 1, (int) r.getAs("epoch"));
            double trainLoss = r.getAs("train_loss");
            double valLoss = r.getAs("val_loss");
            double acc = r.getAs("val_accuracy");
            double auc = r.getAs("roc_auc");
            assertTrue(trainLoss > 0 && trainLoss < 20, "train_loss " + trainLoss);
            assertTrue(valLoss > 0 && valLoss < 50, "val_loss " + valLoss);
            assertTrue(acc >= 0 && acc <= 1 && auc >= 0 && auc <= 1, acc + " " + auc);
            assertEquals(100L, (long) r.getAs("val_images"));
            assertEquals(200L, (long) r.getAs("train_images"), "every training image fitted once per epoch (13 minibatches, 3 rounds)");
            long total = spark.read().parquet(out.resolve("metrics").toString())
                    .filter("run_id = 'r1' and epoch = " + (i + 1))
                    .selectExpr("aggregate(flatten(confusion), 0L, (acc, x) -> acc + x)").first().getLong(0);
            assertEquals(100, total, "confusion counts cover every test image");
            assertEquals(List.of("airplane", "bird"), r.getList(r.fieldIndex("class_names")));
            assertEquals(2, (int) r.getAs("workers"));
        }
        assertTrue(Files.exists(out.resolve("model/r1/final.zip")));
        assertTrue(Files.exists(out.resolve("model/r1/best.zip")));
        // the saved model describes its classes by name, so Spark ML takes it as it is
        io.github.sparkresnet.ml.ResNetClassificationModel model = io.github.sparkresnet.ml.ResNetClassificationModel
                .fromTrainedModel(spark, out.resolve("model/r1/final.zip").toString());
        assertEquals(List.of("airplane", "bird"), List.of(model.getOrDefault(model.classNames())));
        assertEquals("flip", model.getOrDefault(model.tta()), "the run's --tta default");

        // a second resume has nothing left to do and writes nothing
        assertEquals(0, train("r1", 2, "--resume").exitCode());
        assertEquals(2, rows("r1").size());

        // killed after writing epoch 2's metrics but before its checkpoint: redo epoch 2, replace its row
        Files.delete(out.resolve("checkpoints/r1/epoch-0002.zip"));
        assertEquals(0, train("r1", 2, "--resume").exitCode());
        assertEquals(2, rows("r1").size());
        assertTrue(Files.exists(out.resolve("checkpoints/r1/epoch-0002.zip")));
    }

    @Test
    void augmentationAndACosineScheduleTrainAndRecordTheRatePerEpoch() throws Exception {
        assertEquals(0, train("r3", 3, "--augment", "--lr-schedule", "cosine", "--weight-decay", "0.0005").exitCode());
        List<Row> rows = rows("r3");
        assertEquals(3, rows.size());
        double[] expected = {1e-3, 1e-3 * 0.5 * (1 + Math.cos(Math.PI / 3)), 1e-3 * 0.5 * (1 + Math.cos(2 * Math.PI / 3))};
        for (int i = 0; i < 3; i++) {
            Row r = rows.get(i);
            assertEquals(expected[i], (double) r.getAs("learning_rate"), 1e-12, "epoch " + (i + 1) + "'s starting rate");
            assertEquals(200L, (long) r.getAs("train_images"));
            double loss = r.getAs("train_loss");
            assertTrue(loss > 0 && loss < 20, "train_loss " + loss);
        }
    }

    @Test
    void aRunIdWithCheckpointsNeedsResume() throws Exception {
        assertEquals(0, train("r2", 1).exitCode());
        CommandLineRunner again = train("r2", 1);
        assertEquals(Main.EXIT_BAD_INPUT, again.exitCode());
        assertTrue(again.err().contains("already holds checkpoints; pass --resume"), again.err());
        CommandLineRunner other = train("r2", 2, "--resume", "--classes", "ship,truck");
        assertEquals(Main.EXIT_BAD_INPUT, other.exitCode());
        assertTrue(other.err().contains("classes: checkpoint has airplane,bird, this run asks for ship,truck"), other.err());
        assertFalse(other.err().contains("\tat "), other.err());
        assertEquals(1, rows("r2").size());
    }
}
