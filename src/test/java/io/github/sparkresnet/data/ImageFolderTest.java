package io.github.sparkresnet.data;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.spark.TestSpark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
    private static final Configuration HADOOP = new Configuration();

    @TempDir
    Path tmp;

    private final SparkSession spark = TestSpark.get();

    @Test
    void classesAreTheSubFoldersInNameOrderAndEveryImageIsReadAs32x32PlanarRgb() throws IOException {
        Path root = ImageFolders.writeColours(tmp.resolve("pets"), List.of("dog", "cat", "emu"), 4, 50);
        Files.createDirectories(root.resolve("cat/more"));
        ImageFolders.write(root.resolve("cat/more/deep.png"), ImageFolders.solid(20, 10, 0x102030));
        Files.writeString(root.resolve("README.txt"), "not a class"); // beside the classes: ignored
        Files.createDirectories(root.resolve(".thumbs")); // hidden: not a class
        ImageFolder folder = ImageFolder.resolve(root.toString(), 0.25, 0, HADOOP);
        assertEquals(List.of("cat", "dog", "emu"), folder.classNames());

        List<Row> rows = folder.read(spark).orderBy("source_file").collectAsList();
        assertEquals(13, rows.size(), "4 + 1 nested cats, 4 dogs, 4 emus");
        Row deep = rows.stream().filter(r -> r.<String>getAs("source_file").endsWith("deep.png")).findFirst().get();
        assertEquals(0, (int) deep.getAs("label"));
        assertEquals("cat", deep.getAs("label_name"));
        byte[] pixels = deep.getAs("image");
        assertEquals(3072, pixels.length, "resized from 20x10 to 32x32");
        assertEquals(0x10, pixels[0] & 0xff, "red plane first");
        assertEquals(0x20, pixels[1024] & 0xff);
        assertEquals(0x30, pixels[2048] & 0xff);
        for (Row r : rows) {
            String name = r.getAs("label_name");
            assertTrue(r.<String>getAs("source_file").contains("/" + name + "/"), r.toString());
        }
    }

    @Test
    void filesDecodeAsSparksImageSourceDecodesThem() throws IOException {
        Path root = tmp.resolve("kinds");
        Path a = Files.createDirectories(root.resolve("a"));
        Files.createDirectories(root.resolve("b"));
        java.util.Random random = new java.util.Random(5);
        int[] types = {java.awt.image.BufferedImage.TYPE_BYTE_GRAY, java.awt.image.BufferedImage.TYPE_INT_ARGB,
            java.awt.image.BufferedImage.TYPE_INT_RGB, java.awt.image.BufferedImage.TYPE_3BYTE_BGR};
        for (int t = 0; t < types.length; t++) {
            java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(17 + 20 * t, 45 - 9 * t, types[t]);
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    image.setRGB(x, y, random.nextInt());
                }
            }
            String format = types[t] == java.awt.image.BufferedImage.TYPE_3BYTE_BGR ? "jpg" : "png";
            javax.imageio.ImageIO.write(image, format, a.resolve("kind-" + t + "." + format).toFile());
        }
        ImageFolders.write(root.resolve("b/x.png"), ImageFolders.solid(3, 3, 0));
        Map<String, byte[]> ours = new TreeMap<>();
        for (Row r : ImageFolder.resolve(root.toString(), 0.5, 0, HADOOP).read(spark).filter("label = 0").collectAsList()) {
            String path = r.getString(r.fieldIndex("source_file"));
            ours.put(path.substring(path.lastIndexOf('/') + 1), r.getAs("image"));
        }
        Dataset<Row> spark = ImageColumn.toCifarLayout(this.spark.read().format("image").load(a.toString()), "image",
                "pixels", ImageColumn.Undecodable.FAIL, "");
        List<Row> theirs = spark.select(col("image.origin"), col("pixels")).collectAsList();
        assertEquals(4, theirs.size());
        for (Row r : theirs) {
            String name = r.getString(0).substring(r.getString(0).lastIndexOf('/') + 1);
            assertArrayEquals((byte[]) r.get(1), ours.get(name), name);
        }
    }

    @Test
    void theHeldOutImagesDependOnTheFileNamesAndSeedOnlyNotWhereTheFolderIs() throws IOException {
        Path a = ImageFolders.writeColours(tmp.resolve("a"), List.of("x", "y"), 200, 8);
        Map<String, String> first = splits(ImageFolder.resolve(a.toString(), 0.2, 7, HADOOP));
        long held = first.values().stream().filter("test"::equals).count();
        assertTrue(held > 40 && held < 120, "about a fifth of 400 held out: " + held);
        Path b = tmp.resolve("moved");
        Files.move(a, b);
        assertEquals(first, splits(ImageFolder.resolve(b.toString(), 0.2, 7, HADOOP)), "same files, same split");
        Map<String, String> other = splits(ImageFolder.resolve(b.toString(), 0.2, 8, HADOOP));
        assertTrue(!first.equals(other), "another seed holds out other images");
    }

    private Map<String, String> splits(ImageFolder folder) {
        Map<String, String> m = new TreeMap<>();
        for (Row r : folder.read(spark).select("source_file", "split").collectAsList()) {
            String path = r.getString(0);
            m.put(path.substring(path.lastIndexOf('/') + 1), r.getString(1));
        }
        return m;
    }

    @Test
    void trainAndTestSubFoldersAreTheSplit() throws IOException {
        ImageFolders.writeColours(tmp.resolve("d/train"), List.of("a", "b"), 3, 8);
        ImageFolders.writeColours(tmp.resolve("d/test"), List.of("a", "b"), 2, 8);
        ImageFolder folder = ImageFolder.resolve(tmp.resolve("d").toString(), 0.2, 0, HADOOP);
        Dataset<Row> rows = folder.read(spark);
        assertEquals(6, rows.filter(col("split").equalTo("train")).count());
        assertEquals(4, rows.filter(col("split").equalTo("test")).count());
        assertEquals(0, rows.filter(col("split").equalTo("test").and(col("source_file").contains("/train/"))).count());
    }

    @Test
    void onlyThePairsFoldersAreRead() throws IOException {
        Path root = ImageFolders.writeColours(tmp.resolve("p"), List.of("a", "b", "c"), 2, 8);
        Files.writeString(root.resolve("c/broken.png"), "not a png");
        ImageFolder folder = ImageFolder.resolve(root.toString(), 0.5, 0, HADOOP);
        ClassPair pair = ClassPair.parse("b,a", folder.classNames());
        Dataset<Row> rows = pair.select(folder.read(spark));
        ImageColumn.requireDecoded(rows, folder, "--images " + root); // c's broken file is never decoded
        assertArrayEquals(new Object[] {4L}, new Object[] {rows.count()});
        assertEquals(2, rows.filter(col(ClassPair.TARGET).equalTo(0).and(col("label_name").equalTo("b"))).count());
    }

    @Test
    void anUndecodableFileIsNamedWithHowManyThereAre() throws IOException {
        Path root = ImageFolders.writeColours(tmp.resolve("u"), List.of("a", "b"), 2, 8);
        Files.writeString(root.resolve("a/zz-notes.png"), "text");
        Files.writeString(root.resolve("b/aa-broken.jpg"), "also text");
        ImageFolder folder = ImageFolder.resolve(root.toString(), 0.5, 0, HADOOP);
        BadInputException e = assertThrows(BadInputException.class,
                () -> ImageColumn.requireDecoded(folder.read(spark), folder, "--images " + root));
        assertTrue(e.getMessage().startsWith("--images " + root + ": 2 files could not be decoded as an image, the first "),
                e.getMessage());
        assertTrue(e.getMessage().contains("/a/zz-notes.png"), "the first by path: " + e.getMessage());
    }

    @Test
    void badFoldersAreNamed() throws IOException {
        assertError(tmp.resolve("none"), "no such directory");
        Path file = Files.writeString(tmp.resolve("file.png"), "x");
        assertError(file, "is a file");
        Path one = ImageFolders.writeColours(tmp.resolve("one"), List.of("only"), 2, 8);
        assertError(one, "found 1 class sub-folder (only); expected one sub-folder of images per class, at least two");
        Path empty = ImageFolders.writeColours(tmp.resolve("empty"), List.of("a"), 2, 8);
        Files.createDirectories(empty.resolve("b/nested"));
        Files.writeString(empty.resolve("b/.hidden"), "x");
        assertError(empty, "/b: class 'b' holds no image files");
        Path mismatch = tmp.resolve("mismatch");
        ImageFolders.writeColours(mismatch.resolve("train"), List.of("a", "b"), 1, 8);
        ImageFolders.writeColours(mismatch.resolve("test"), List.of("a", "c"), 1, 8);
        assertError(mismatch, "train has the class folders [a, b] and test [a, c]; expected the same classes in both");
    }

    private static void assertError(Path dir, String expected) {
        BadInputException e = assertThrows(BadInputException.class,
                () -> ImageFolder.resolve(dir.toString(), 0.2, 0, HADOOP));
        assertTrue(e.getMessage().startsWith("--images " + dir), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
