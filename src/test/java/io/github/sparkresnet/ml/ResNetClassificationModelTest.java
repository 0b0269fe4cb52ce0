package io.github.sparkresnet.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.spark.TestSpark;
import io.github.sparkresnet.train.Checkpoints;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import javax.imageio.ImageIO;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark ML model on real Spark: images from Spark's image source scored as a network whose
 * outputs this test computes by hand (softmax of fixed weights over the mean of each colour), saved,
 * loaded alone and inside a PipelineModel.
 */
class ResNetClassificationModelTest {
    @TempDir
    static Path dir;
    private static byte[] network;

    @BeforeAll
    static void imagesAndNetwork() throws IOException {
        Files.createDirectories(dir.resolve("images"));
        int[][] colours = {{230, 40, 20}, {20, 60, 240}, {128, 128, 128}, {200, 10, 150}};
        for (int i = 0; i < colours.length; i++) {
            BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
            int rgb = colours[i][0] << 16 | colours[i][1] << 8 | colours[i][2];
            for (int y = 0; y < 30; y++) {
                for (int x = 0; x < 40; x++) {
                    image.setRGB(x, y, rgb);
                }
            }
            ImageIO.write(image, "png", dir.resolve("images/" + i + ".png").toFile());
        }
        network = ColourNetwork.zip();
        TestSpark.get(); // the session Spark ML's readers and writers find
    }

    private static Dataset<Row> images() {
        return TestSpark.get().read().format("image").load(dir.resolve("images").toString());
    }

    private static void assertScored(List<Row> rows) {
        assertEquals(4, rows.size());
        int[][] colours = {{230, 40, 20}, {20, 60, 240}, {128, 128, 128}, {200, 10, 150}};
        for (int i = 0; i < 4; i++) {
            Row row = rows.get(i);
            double[] p = ((Vector) row.getAs("probability")).toArray();
            double[] raw = ((Vector) row.getAs("rawPrediction")).toArray();
            double[] want = ColourNetwork.probabilities(colours[i][0], colours[i][1], colours[i][2]);
            assertArrayEquals(want, p, 1e-5, "image " + i);
            assertArrayEquals(new double[] {Math.log(p[0]), Math.log(p[1])}, raw, 1e-9);
            assertEquals(want[1] > want[0] ? 1.0 : 0.0, (double) row.getAs("prediction"), "image " + i);
        }
    }

    @Test
    void aProbabilityThatUnderflowsToZeroHasTheSmallestLogarithmNotNull() {
        byte[] certain = ColourNetwork.zip(ColourNetwork.graph(200f)); // e^-200 is 0 in float
        List<Row> rows = new ResNetClassificationModel(certain, List.of("red", "blue")).transform(images())
                .select("probability", "rawPrediction", "prediction").collectAsList();
        assertEquals(4, rows.size());
        for (Row row : rows) {
            assertEquals(0.0, ((Vector) row.get(0)).apply(0));
            assertEquals(Math.log(Double.MIN_VALUE), ((Vector) row.get(1)).apply(0), 1e-9);
            assertEquals(1.0, row.getDouble(2));
        }
    }

    @Test
    void scoresImagesAsTheNetworkComputesThem() {
        ResNetClassificationModel model = new ResNetClassificationModel(network, List.of("red", "blue"));
        assertScored(model.transform(images()).orderBy("image.origin").collectAsList());
    }

    @Test
    void savedAndLoadedAloneAndInAPipelineScoresTheSame(@TempDir Path saved) throws IOException {
        ResNetClassificationModel model = new ResNetClassificationModel(network, List.of("red", "blue"))
                .setBatchSize(3).setProbabilityCol("probability");
        model.write().save(saved.resolve("model").toString());
        ResNetClassificationModel loaded = ResNetClassificationModel.load(saved.resolve("model").toString());
        assertEquals(model.uid(), loaded.uid());
        assertEquals(3, (int) loaded.getOrDefault(loaded.batchSize()));
        assertArrayEquals(new String[] {"red", "blue"}, loaded.getOrDefault(loaded.classNames()));
        assertScored(loaded.transform(images()).orderBy("image.origin").collectAsList());

        PipelineModel pipeline = new Pipeline().setStages(new PipelineStage[] {model}).fit(images());
        pipeline.write().save(saved.resolve("pipeline").toString());
        assertScored(PipelineModel.load(saved.resolve("pipeline").toString()).transform(images())
                .orderBy("image.origin").collectAsList());
    }

    @Test
    void aModelTrainSavedComesWithItsClassNamesAndTestTimeFlips(@TempDir Path runs) {
        Checkpoints checkpoints = new Checkpoints(runs.toString(), "r", TestSpark.get().sparkContext()
                .hadoopConfiguration());
        byte[] zip = Checkpoints.serialize(ColourNetwork.graph());
        Properties described = new Properties();
        described.setProperty("classes", "0,2"); // --classes by label index: the names come from class_names
        described.setProperty("class_names", "red,blue");
        described.setProperty("tta", "flip");
        checkpoints.saveModel("best", zip, described);
        ResNetClassificationModel model = ResNetClassificationModel.fromTrainedModel(TestSpark.get(),
                checkpoints.modelPath("best"));
        assertArrayEquals(new String[] {"red", "blue"}, model.getOrDefault(model.classNames()));
        assertEquals("flip", model.getOrDefault(model.tta()));
        assertScored(model.transform(images()).orderBy("image.origin").collectAsList());

        Properties older = new Properties();
        older.setProperty("classes", "0,2");
        checkpoints.saveModel("final", zip, older);
        BadInputException indices = assertThrows(BadInputException.class,
                () -> ResNetClassificationModel.fromTrainedModel(TestSpark.get(), checkpoints.modelPath("final")));
        assertTrue(indices.getMessage().contains("gives the classes as label indices (classes=0,2)"),
                indices.getMessage());
        BadInputException missing = assertThrows(BadInputException.class,
                () -> ResNetClassificationModel.fromTrainedModel(TestSpark.get(), runs.resolve("nope.zip").toString()));
        assertTrue(missing.getMessage().endsWith("no such file; expected a model zip written by train"),
                missing.getMessage());
    }

    @Test
    void badColumnsAndUndecodableImagesAreOneClearError() throws IOException {
        ResNetClassificationModel model = new ResNetClassificationModel(network, List.of("red", "blue"));
        BadInputException missing = assertThrows(BadInputException.class,
                () -> model.setFeaturesCol("features").transform(images()));
        assertTrue(missing.getMessage().startsWith("featuresCol 'features': no such column"), missing.getMessage());
        model.setFeaturesCol("image");
        BadInputException clash = assertThrows(BadInputException.class,
                () -> model.transform(images().withColumn("prediction", org.apache.spark.sql.functions.lit(1))));
        assertTrue(clash.getMessage().startsWith("predictionCol 'prediction': the input already has"), clash.getMessage());

        Path mixed = Files.createDirectories(dir.resolve("mixed"));
        Files.copy(dir.resolve("images/0.png"), mixed.resolve("0.png"));
        Files.write(mixed.resolve("1-broken.png"), new byte[] {9, 9, 9});
        Dataset<Row> withBroken = TestSpark.get().read().format("image").load(mixed.toString());
        BadInputException broken = assertThrows(BadInputException.class, () -> model.transform(withBroken));
        assertTrue(broken.getMessage().contains("1-broken.png") && broken.getMessage().endsWith("Set dropInvalid to "
                + "true to drop them."), broken.getMessage());
        assertEquals(1, model.setDropInvalid(true).transform(withBroken).count());
    }
}
