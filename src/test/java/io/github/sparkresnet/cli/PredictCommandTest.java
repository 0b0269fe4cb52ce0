package io.github.sparkresnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.Minibatches;
import io.github.sparkresnet.data.Normalization;
import io.github.sparkresnet.data.SyntheticCifar;
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

/** {@code predict} scores on the executors exactly what the network computes on the driver. */
class PredictCommandTest {
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
