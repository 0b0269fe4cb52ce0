package io.github.sparkresnet.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Folders of image files in the layout {@code --images} and Spark's image source read (one
 * sub-folder per class), written by the tests themselves: plain colours, or real CIFAR-10 records
 * as PNG files.
 */
public final class ImageFolders {
    private ImageFolders() {
    }

    /** {@code count} PNG images of one colour per class, {@code size}×{@code size}, under {@code root/class/}. */
    public static Path writeColours(Path root, List<String> classes, int count, int size) throws IOException {
        for (int c = 0; c < classes.size(); c++) {
            Path dir = Files.createDirectories(root.resolve(classes.get(c)));
            for (int i = 0; i < count; i++) {
                int rgb = ((40 + 60 * c) << 16) | ((200 - 50 * c) << 8) | (i * 7 % 256);
                write(dir.resolve(classes.get(c) + "-" + i + ".png"), solid(size, size, rgb));
            }
        }
        return root;
    }

    /**
     * The first {@code perClass} records of each of {@code classes} (by name) in CIFAR-10 batch file
     * {@code batch} as 32×32 PNG files under {@code root/class/}.
     */
    public static Path writeCifar(Path batch, List<String> classes, int perClass, Path root) throws IOException {
        int[] written = new int[classes.size()];
        try (InputStream in = Files.newInputStream(batch)) {
            byte[] record = new byte[CifarLayout.RECORD_BYTES];
            int index = 0;
            while (in.readNBytes(record, 0, record.length) == record.length) {
                int c = classes.indexOf(CifarLayout.DEFAULT_CLASS_NAMES.get(record[0]));
                if (c >= 0 && written[c] < perClass) {
                    Path dir = Files.createDirectories(root.resolve(classes.get(c)));
                    write(dir.resolve(batch.getFileName() + "-" + index + ".png"), fromCifar(record, 1));
                    written[c]++;
                }
                index++;
            }
        }
        return root;
    }

    /** A CIFAR-10 record's pixels (from {@code offset}: after the label byte) as an RGB image. */
    public static BufferedImage fromCifar(byte[] planar, int offset) {
        BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int p = y * 32 + x;
                int r = planar[offset + p] & 0xff;
                int g = planar[offset + 1024 + p] & 0xff;
                int b = planar[offset + 2048 + p] & 0xff;
                image.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return image;
    }

    public static BufferedImage solid(int width, int height, int rgb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }

    public static void write(Path file, BufferedImage image) throws IOException {
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer");
        }
    }
}
