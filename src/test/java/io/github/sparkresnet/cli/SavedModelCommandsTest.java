package io.github.sparkresnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.Minibatches;
import io.github.sparkresnet.data.Normalization;
import io.github.sparkresnet.data.SyntheticCifar;
import io.github.sparkresnet.eval.TestTimeAugmentation;
import io.github.sparkresnet.model.ResNet34;
import io.github.sparkresnet.model.ResNetConfig;
import io.github.sparkresnet.spark.TestSpark;
import io.github.sparkresnet.train.Checkpoints;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code predict} scores on the executors exactly what the network computes on the driver;
 * {@code evaluate} writes the metrics row of the evaluator training uses.
 */
class SavedModelCommandsTest {
    @TempDir
    static Path tmp;
    private static ComputationGraph net;
    private static String model;

    @BeforeAll
    static void saveAModel() throws Exception {
        TestSpark.get();
        SyntheticCifar.writeDirectory(tmp.resolve("data"), 20);
        net = ResNet34.build(ResNetConfig.cifarPair().withSeed(3));
        Properties p = new Properties();
        p.setProperty("classes", "airplane,bird");
        p.setProperty("run_id", "m");
        p.setProperty("epoch", "7");
        p.setProperty("learning_rate", "0.001");
        Checkpoints c = new Checkpoints(tmp.resolve("runs").toString(), "m", TestSpark.get().sparkContext().hadoopConfiguration());
        c.saveModel("final", Checkpoints.serialize(net), p);
        model = c.modelPath("final");
    }

    @Test
    void writesOneRowPerImageOfThePairWithTheNetworksOwnProbabilities() {
        Path out = tmp.resolve("pred");
        CommandLineRunner r = CommandLineRunner.run("predict", "--model", model, "--data", tmp.resolve("data").toString(),
                "--output", out.toString(), "--batch-size", "3", "--master", "local[2]");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("predicted 4 images of airplane(0)->0, bird(2)->1"), r.out());
        List<Row> rows = TestSpark.get().read().parquet(out.toString()).orderBy("record_index").collectAsList();
        assertEquals(4, rows.size(), "test_batch.bin: 2 airplanes and 2 birds among 20 records");
        List<Row> images = TestSpark.get().read().format("parquet").load(out.toString()).collectAsList();
        assertEquals(4, images.size());
        for (Row row : rows) {
            assertEquals("test_batch.bin", row.getAs("source_file"));
            List<Double> p = row.getList(row.fieldIndex("probabilities"));
            assertEquals(1.0, p.get(0) + p.get(1), 1e-5);
            int predicted = row.getAs("predicted_target");
            assertEquals(p.get(1) > p.get(0) ? 1 : 0, predicted);
            assertEquals(predicted == 0 ? "airplane" : "bird", row.getAs("predicted_class"));
            // the same image through the same network on the driver
            int record = row.getAs("record_index");
            byte[] image = java.util.Arrays.copyOfRange(SyntheticCifar.batch(5, 20), record * 3073 + 1, record * 3073 + 3073);
            INDArray expected = net.outputSingle(false, Minibatches.features(List.of(image), Normalization.HALF));
            assertEquals(expected.getDouble(0, 1), p.get(1), 1e-5, "record " + record);
        }
    }

    @Test
    void allClassesScoresEveryRecordAndLeavesTheOthersTargetEmpty() {
        Path out = tmp.resolve("pred-all");
        CommandLineRunner r = CommandLineRunner.run("predict", "--model", model, "--data", tmp.resolve("data").toString(),
                "--output", out.toString(), "--all-classes", "--master", "local[2]");
        assertEquals(0, r.exitCode(), r.err());
        List<Row> rows = TestSpark.get().read().parquet(out.toString()).collectAsList();
        assertEquals(20, rows.size());
        for (Row row : rows) {
            int label = row.getAs("label");
            Object target = row.getAs("target");
            if (label == 0 || label == 2) {
                assertEquals(label == 0 ? 0 : 1, target);
            } else {
                assertNull(target, "label " + label);
            }
        }
    }

    @Test
    void evaluateWritesTheTrainingMetricsRowForTheModel() {
        Path out = tmp.resolve("eval-out");
        CommandLineRunner r = CommandLineRunner.run("evaluate", "--model", model, "--data", tmp.resolve("data").toString(),
                "--output", out.toString(), "--master", "local[2]");
        assertEquals(0, r.exitCode(), r.err());
        List<Row> rows = new io.github.sparkresnet.eval.MetricsTable(TestSpark.get(), out.toString()).rows("m-eval");
        assertEquals(1, rows.size());
        Row row = rows.get(0);
        assertEquals(7, (int) row.getAs("epoch"), "the model's epoch");
        assertEquals(4L, (long) row.getAs("val_images"));
        assertEquals(0L, (long) row.getAs("train_images"));
        assertEquals("none", row.getAs("val_tta"));
        assertEquals(expectedLoss(TestTimeAugmentation.NONE), (double) row.getAs("val_loss"), 1e-6);
        assertTrue(r.out().contains("run m-eval epoch 7: val_accuracy"), r.out());
    }

    @Test
    void evaluateScoresAsTheModelsRunDidUnlessTtaIsGiven() throws Exception {
        Properties p = new Properties();
        p.setProperty("classes", "airplane,bird");
        p.setProperty("run_id", "f");
        p.setProperty("tta", "flip");
        Checkpoints c = new Checkpoints(tmp.resolve("runs").toString(), "f", TestSpark.get().sparkContext().hadoopConfiguration());
        c.saveModel("final", Checkpoints.serialize(net), p);
        Path out = tmp.resolve("eval-tta-out");
        for (String[] extra : new String[][] {{"--run-id", "f-default"}, {"--run-id", "f-none", "--tta", "none"}}) {
            List<String> args = new java.util.ArrayList<>(List.of("evaluate", "--model", c.modelPath("final"), "--data",
                    tmp.resolve("data").toString(), "--output", out.toString(), "--master", "local[2]"));
            args.addAll(List.of(extra));
            CommandLineRunner r = CommandLineRunner.run(args.toArray(new String[0]));
            assertEquals(0, r.exitCode(), r.err());
        }
        io.github.sparkresnet.eval.MetricsTable table = new io.github.sparkresnet.eval.MetricsTable(TestSpark.get(), out.toString());
        Row flipped = table.rows("f-default").get(0);
        assertEquals("flip", flipped.getAs("val_tta"), "the model's run scored with flips");
        double flip = expectedLoss(TestTimeAugmentation.FLIP);
        assertEquals(flip, (double) flipped.getAs("val_loss"), 1e-6);
        Row plain = table.rows("f-none").get(0);
        assertEquals("none", plain.getAs("val_tta"));
        assertEquals(expectedLoss(TestTimeAugmentation.NONE), (double) plain.getAs("val_loss"), 1e-6);
        assertTrue(Math.abs(flip - expectedLoss(TestTimeAugmentation.NONE)) > 1e-6, "flip must change the loss here");
    }

    /** The model's val_loss on the synthetic test images, computed here with the evaluator itself. */
    private static double expectedLoss(TestTimeAugmentation tta) {
        java.util.List<org.nd4j.linalg.dataset.DataSet> batches = List.of(new org.nd4j.linalg.dataset.DataSet(
                Minibatches.features(testImages(), Normalization.HALF),
                org.nd4j.linalg.factory.Nd4j.createFromArray(new float[][] {{1, 0}, {0, 1}, {1, 0}, {0, 1}})));
        return io.github.sparkresnet.eval.Evaluator.evaluate(net, batches, List.of("airplane", "bird"), tta).meanLoss();
    }

    /** The airplanes and birds of the synthetic test file, in file order: records 0, 2, 10, 12. */
    private static List<byte[]> testImages() {
        byte[] file = SyntheticCifar.batch(5, 20);
        List<byte[]> images = new java.util.ArrayList<>();
        for (int record : new int[] {0, 2, 10, 12}) {
            images.add(java.util.Arrays.copyOfRange(file, record * 3073 + 1, record * 3073 + 3073));
        }
        return images;
    }

    @Test
    void aMissingModelOrDescriptionIsABadInput() throws Exception {
        CommandLineRunner r = CommandLineRunner.run("predict", "--model", tmp.resolve("nope.zip").toString(),
                "--data", tmp.resolve("data").toString(), "--output", tmp.resolve("x").toString());
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertTrue(r.err().contains("nope.zip: no such file; expected a model zip written by train"), r.err());
        Path bare = Files.copy(Path.of(model), tmp.resolve("bare.zip"));
        CommandLineRunner r2 = CommandLineRunner.run("predict", "--model", bare.toString(),
                "--data", tmp.resolve("data").toString(), "--output", tmp.resolve("y").toString());
        assertEquals(Main.EXIT_BAD_INPUT, r2.exitCode());
        assertTrue(r2.err().contains("bare.properties is missing or unreadable"), r2.err());
    }
}
