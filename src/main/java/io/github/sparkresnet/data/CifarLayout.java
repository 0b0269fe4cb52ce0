package io.github.sparkresnet.data;

import java.util.List;

/**
 * The canonical CIFAR-10 binary layout ({@code cifar-10-batches-bin/}).
 *
 * <p>Each file is a sequence of fixed-size records: one label byte (0-9), then 1024 red, 1024 green
 * and 1024 blue bytes, each plane row-major 32x32. That is already channel-first (CHW), so a record's
 * image bytes map to an NCHW tensor element {@code (c, y, x)} at {@code c*1024 + y*32 + x}.
 */
public final class CifarLayout {
    public static final int HEIGHT = 32;
    public static final int WIDTH = 32;
    public static final int CHANNELS = 3;
    public static final int PLANE_BYTES = HEIGHT * WIDTH;
    public static final int IMAGE_BYTES = CHANNELS * PLANE_BYTES;
    public static final int RECORD_BYTES = 1 + IMAGE_BYTES;
    public static final int NUM_CLASSES = 10;

    public static final String DIRECTORY = "cifar-10-batches-bin";
    public static final String META_FILE = "batches.meta.txt";
    public static final List<String> TRAIN_FILES = List.of(
            "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
    public static final List<String> TEST_FILES = List.of("test_batch.bin");

    /** The names {@code batches.meta.txt} holds in the official archive, in label order. */
    public static final List<String> DEFAULT_CLASS_NAMES = List.of(
            "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

    private CifarLayout() {
    }

    /** Offset of pixel (channel, y, x) within a record's image bytes (after the label byte). */
    public static int pixelOffset(int channel, int y, int x) {
        return channel * PLANE_BYTES + y * WIDTH + x;
    }

    /** Which split a batch file belongs to, or null if it is not one of the six batch files. */
    public static Split splitOf(String fileName) {
        if (TRAIN_FILES.contains(fileName)) {
            return Split.TRAIN;
        }
        if (TEST_FILES.contains(fileName)) {
            return Split.TEST;
        }
        return null;
    }

    /** The two CIFAR-10 splits; {@link #label()} is the value stored in the DataFrame's split column. */
    public enum Split {
        TRAIN("train"), TEST("test");

        private final String label;

        Split(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }
}
