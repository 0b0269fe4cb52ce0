package io.github.sparkresnet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.spark.TestSpark;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image files read by Spark's own image source, as the network's input column, on real Spark. */
class ImageColumnTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void files() throws IOException {
        BufferedImage colour = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                colour.setRGB(x, y, (x * 8) << 16 | (y * 8) << 8 | 200); // red by column, green by row
            }
        }
        Files.createDirectories(dir.resolve("good"));
        ImageIO.write(colour, "png", dir.resolve("good/a-colour.png").toFile());
        BufferedImage gray = new BufferedImage(48, 40, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 48; x++) {
                gray.getRaster().setSample(x, y, 0, 90);
            }
        }
        ImageIO.write(gray, "png", dir.resolve("good/b-gray.png").toFile());
        Files.createDirectories(dir.resolve("mixed"));
        Files.copy(dir.resolve("good/a-colour.png"), dir.resolve("mixed/a-colour.png"));
        Files.write(dir.resolve("mixed/z-broken.png"), new byte[] {1, 2, 3, 4, 5});
    }

    private static Dataset<Row> images(String sub) {
        return TestSpark.get().read().format("image").load(dir.resolve(sub).toString());
    }

    @Test
    void sparksImageStructBecomesPlanarRgbOf32x32() {
        List<Row> rows = ImageColumn.toCifarLayout(images("good"), "image", "pixels", ImageColumn.Undecodable.FAIL,
                "").orderBy("image.origin").select("pixels").collectAsList();
        assertEquals(2, rows.size());
        byte[] colour = rows.get(0).getAs(0);
        assertEquals(3072, colour.length);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                assertEquals(x * 8, colour[y * 32 + x] & 0xFF, "red");
                assertEquals(y * 8, colour[1024 + y * 32 + x] & 0xFF, "green");
                assertEquals(200, colour[2048 + y * 32 + x] & 0xFF, "blue");
            }
        }
        byte[] gray = rows.get(1).getAs(0);
        for (byte b : gray) {
            assertEquals(90, b & 0xFF); // 48x40 gray, resized and repeated over the channels
        }
    }

    @Test
    void undecodableFilesFailNamingTheFirstUnlessDropped() {
        BadInputException e = assertThrows(BadInputException.class, () -> ImageColumn.toCifarLayout(images("mixed"),
                "image", "pixels", ImageColumn.Undecodable.FAIL, "Drop them with --skip-bad-images."));
        assertTrue(e.getMessage().startsWith("1 of the images in column 'image' could not be decoded, the first file:"),
                e.getMessage());
        assertTrue(e.getMessage().contains("z-broken.png") && e.getMessage().endsWith("--skip-bad-images."),
                e.getMessage());
        List<Row> kept = ImageColumn.toCifarLayout(images("mixed"), "image", "pixels", ImageColumn.Undecodable.DROP,
                "").select("image.origin", "pixels").collectAsList();
        assertEquals(1, kept.size());
        assertTrue(kept.get(0).getString(0).endsWith("a-colour.png"), kept.get(0).getString(0));
    }

    @Test
    void cifarLayoutBytesPassThroughAndOtherColumnsAreRefused() {
        SparkSession spark = TestSpark.get();
        byte[] record = new byte[3072];
        record[5] = 7;
        Dataset<Row> cifar = spark.createDataFrame(List.of(org.apache.spark.sql.RowFactory.create((Object) record)),
                new org.apache.spark.sql.types.StructType().add("image", "binary"));
        assertArrayEquals(record, (byte[]) ImageColumn.toCifarLayout(cifar, "image", "pixels",
                ImageColumn.Undecodable.FAIL, "").first().getAs("pixels"));
        BadInputException missing = assertThrows(BadInputException.class, () -> ImageColumn.toCifarLayout(cifar,
                "features", "pixels", ImageColumn.Undecodable.FAIL, ""));
        assertEquals("image column 'features': no such column; the columns are image", missing.getMessage());
        BadInputException type = assertThrows(BadInputException.class, () -> ImageColumn.toCifarLayout(
                cifar.selectExpr("length(image) AS n"), "n", "pixels", ImageColumn.Undecodable.FAIL, ""));
        assertTrue(type.getMessage().endsWith("found int"), type.getMessage());
    }
}
