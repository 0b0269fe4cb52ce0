package io.github.sparkresnet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.spark.TestSpark;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

class AugmentationTest {
    private static final float[][] LUT = Normalization.HALF.lookupTables();
    private static final int W = 32;

    /** An image whose byte at (c, y, x) encodes its position, so every output pixel says where it came from. */
    private static byte[] coordinates() {
        byte[] image = new byte[CifarLayout.IMAGE_BYTES];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < W; y++) {
                for (int x = 0; x < W; x++) {
                    image[c * 1024 + y * W + x] = (byte) (1 + (c * 7 + y * 3 + x) % 250); // never 0 = border
                }
            }
        }
        return image;
    }

    private static float pixel(byte[] image, int c, int y, int x) {
        return y < 0 || y >= W || x < 0 || x >= W ? LUT[c][0] : LUT[c][image[c * 1024 + y * W + x] & 0xFF];
    }

    @Test
    void everyOutputIsAShiftedPossiblyMirroredWindowWithABlackBorder() {
        byte[] image = coordinates();
        Random rng = new Random(7);
        int mirrored = 0;
        java.util.Set<String> shifts = new java.util.HashSet<>();
        for (int trial = 0; trial < 200; trial++) {
            float[] out = new float[CifarLayout.IMAGE_BYTES];
            Augmentation.CROP_AND_FLIP.apply(image, LUT, out, 0, rng);
            boolean found = false;
            for (int dy = -4; dy <= 4 && !found; dy++) {
                for (int dx = -4; dx <= 4 && !found; dx++) {
                    for (boolean mirror : new boolean[] {false, true}) {
                        if (matches(image, out, dy, dx, mirror)) {
                            found = true;
                            mirrored += mirror ? 1 : 0;
                            shifts.add(dy + "," + dx);
                            break;
                        }
                    }
                }
            }
            assertTrue(found, "trial " + trial + " is no 4-pixel crop of the padded image, mirrored or not");
        }
        assertTrue(mirrored > 70 && mirrored < 130, "about half mirrored: " + mirrored);
        assertTrue(shifts.size() > 40, "most of the 81 windows drawn: " + shifts.size());
    }

    private static boolean matches(byte[] image, float[] out, int dy, int dx, boolean mirror) {
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < W; y++) {
                for (int x = 0; x < W; x++) {
                    int sx = (mirror ? W - 1 - x : x) + dx;
                    if (out[c * 1024 + y * W + x] != pixel(image, c, y + dy, sx)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    @Test
    void flipMirrorsAboutHalfTheImagesAndNeverShiftsThem() {
        byte[] image = coordinates();
        Random rng = new Random(11);
        int mirrored = 0;
        for (int trial = 0; trial < 200; trial++) {
            float[] out = new float[CifarLayout.IMAGE_BYTES];
            Augmentation.FLIP.apply(image, LUT, out, 0, rng);
            boolean plain = matches(image, out, 0, 0, false);
            boolean mirror = matches(image, out, 0, 0, true);
            assertTrue(plain || mirror, "trial " + trial + " is the image or its mirror, unshifted");
            mirrored += mirror ? 1 : 0;
        }
        assertTrue(mirrored > 70 && mirrored < 130, "about half mirrored: " + mirrored);
    }

    @Test
    void theOptionsNamesRoundTrip() {
        for (String name : Augmentation.NAMES.split(", ")) {
            assertEquals(name, Augmentation.named(name).label());
        }
        assertEquals(Augmentation.FLIP, Augmentation.named(" Flip "));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Augmentation.named("rotate"));
        assertEquals("expected one of none, flip, crop-flip, found 'rotate'", e.getMessage());
    }

    @Test
    void noneIsAPlainNormalizedCopy() {
        byte[] image = coordinates();
        float[] out = new float[CifarLayout.IMAGE_BYTES];
        Augmentation.NONE.apply(image, LUT, out, 0, null);
        assertTrue(matches(image, out, 0, 0, false));
    }

    @Test
    void augmentedEpochsRepeatWithTheirSeedAndDifferAcrossSeeds(@TempDir Path tmp) throws Exception {
        Path dir = SyntheticCifar.writeDirectory(tmp, 30);
        ClassPair pair = ClassPair.parse("airplane,bird", CifarLayout.DEFAULT_CLASS_NAMES);
        Dataset<Row> rows = pair.select(CifarReader.read(TestSpark.get(),
                CifarSource.resolve(dir.toString(), TestSpark.get().sparkContext().hadoopConfiguration())));
        List<DataSet> a = Minibatches.shuffled(rows, 8, 2, 5, Normalization.HALF, Augmentation.CROP_AND_FLIP).collect();
        List<DataSet> again = Minibatches.shuffled(rows, 8, 2, 5, Normalization.HALF, Augmentation.CROP_AND_FLIP).collect();
        List<DataSet> plain = Minibatches.shuffled(rows, 8, 2, 5, Normalization.HALF).collect();
        assertEquals(a.size(), again.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).getFeatures().data().asFloat(), again.get(i).getFeatures().data().asFloat());
            assertEquals(a.get(i).getLabels(), plain.get(i).getLabels(), "same order and labels as unaugmented");
        }
        assertFalse(a.get(0).getFeatures().equals(plain.get(0).getFeatures()), "the images are augmented");
    }
}
