package io.github.sparkresnet.data;

import io.github.sparkresnet.BadInputException;

/**
 * Any decoded image as the network's input: 32×32 pixels in CIFAR-10's byte layout (1024 red, 1024
 * green, 1024 blue, each row-major), so every image, whatever its source, is normalized, augmented
 * and batched like a CIFAR-10 record.
 *
 * <p>The input is what Spark's image data source holds ({@code spark.read.format("image")}): rows of
 * interleaved bytes, blue-green-red for 3 channels, blue-green-red-alpha for 4, one gray byte for 1.
 * Gray is repeated over the three channels; alpha is dropped (as Spark's source and OpenCV store a
 * decoded image without compositing it). An image of another size is resized with a separable
 * triangle (bilinear) filter whose support widens by the shrink factor: every source pixel counts
 * when an image shrinks, so a large photo does not alias into noise (what PIL's and torchvision's
 * antialiased bilinear resize do), and it is plain bilinear interpolation when one grows. The aspect
 * ratio is not kept: the image is stretched to the square, as CIFAR-10's own images were made.
 */
public final class ImagePixels {
    /** The side of the network's input images. */
    public static final int SIDE = 32;
    private static final int PLANE = SIDE * SIDE;

    private ImagePixels() {
    }

    /**
     * {@code data} (height × width × channels bytes, interleaved, BGR(A) or gray, as Spark's image
     * source stores them) as 3072 bytes of planar RGB at 32×32. {@code origin} names the image in
     * errors.
     */
    public static byte[] toCifarLayout(String origin, int height, int width, int channels, byte[] data) {
        if (height <= 0 || width <= 0) {
            throw new BadInputException(origin + ": not a decodable image (Spark's image source gave it height "
                    + height + " and width " + width + ")");
        }
        if (channels != 1 && channels != 3 && channels != 4) {
            throw new BadInputException(origin + ": expected an image of 1, 3 or 4 channels (gray, BGR, BGRA); found "
                    + channels);
        }
        if (data == null || (long) height * width * channels != data.length) {
            throw new BadInputException(origin + ": expected " + (long) height * width * channels + " bytes for "
                    + height + "x" + width + "x" + channels + "; found " + (data == null ? 0 : data.length));
        }
        byte[] out = new byte[3 * PLANE];
        // red, green, blue from BGR(A) offsets 2, 1, 0; gray from offset 0 for all three
        int[] offsetOfRgb = channels == 1 ? new int[] {0, 0, 0} : new int[] {2, 1, 0};
        Resampling rows = Resampling.of(height, SIDE);
        Resampling cols = Resampling.of(width, SIDE);
        float[] plane = new float[height * width];
        float[] wide = new float[height * SIDE];
        float[] square = new float[PLANE];
        for (int c = 0; c < 3; c++) {
            if (c > 0 && channels == 1) {
                System.arraycopy(out, 0, out, c * PLANE, PLANE);
                continue;
            }
            for (int i = 0, p = offsetOfRgb[c]; i < plane.length; i++, p += channels) {
                plane[i] = data[p] & 0xFF;
            }
            cols.apply(plane, height, width, 1, wide, SIDE, 1); // along each row
            rows.apply(wide, SIDE, 1, SIDE, square, 1, SIDE); // along each column
            for (int i = 0; i < PLANE; i++) {
                out[c * PLANE + i] = (byte) Math.max(0, Math.min(255, Math.round(square[i])));
            }
        }
        return out;
    }

    /**
     * The weights that make {@code out} samples from {@code in} along one axis: for each output
     * sample, the first source index and the normalized weights from it on.
     */
    private record Resampling(int[] first, float[][] weights) {
        static Resampling of(int in, int out) {
            double scale = (double) in / out;
            double support = Math.max(1.0, scale); // widened when shrinking: every source pixel counts
            int[] first = new int[out];
            float[][] weights = new float[out][];
            for (int o = 0; o < out; o++) {
                double center = (o + 0.5) * scale; // in source coordinates, pixel i spanning [i, i + 1)
                int lo = Math.max(0, (int) Math.floor(center - support));
                int hi = Math.min(in - 1, (int) Math.ceil(center + support));
                double[] w = new double[hi - lo + 1];
                double sum = 0;
                for (int i = lo; i <= hi; i++) {
                    double t = Math.abs(i + 0.5 - center) / support;
                    w[i - lo] = Math.max(0, 1 - t);
                    sum += w[i - lo];
                }
                // sum > 0: the pixel holding the center is within half a pixel of it
                first[o] = lo;
                weights[o] = new float[w.length];
                for (int k = 0; k < w.length; k++) {
                    weights[o][k] = (float) (w[k] / sum);
                }
            }
            return new Resampling(first, weights);
        }

        /**
         * Resamples along one axis: {@code lines} lines of {@code from} samples each, where a line
         * starts at {@code line × lineStride} and samples are {@code sampleStride} apart, into
         * {@code to} the same way with {@code first.length} samples a line.
         */
        void apply(float[] from, int lines, int lineStride, int sampleStride, float[] to,
                   int toLineStride, int toSampleStride) {
            for (int line = 0; line < lines; line++) {
                int base = line * lineStride;
                for (int o = 0; o < first.length; o++) {
                    float acc = 0;
                    float[] w = weights[o];
                    for (int k = 0; k < w.length; k++) {
                        acc += w[k] * from[base + (first[o] + k) * sampleStride];
                    }
                    to[line * toLineStride + o * toSampleStride] = acc;
                }
            }
        }
    }

    /**
     * An image file's bytes (JPEG, PNG, GIF, BMP: what {@code javax.imageio} reads) as 3072 bytes of
     * planar RGB at 32×32, decoded as Spark's image source decodes (gray from the raster's first band,
     * colour through {@code getRGB}, alpha dropped) and then resized as {@link #toCifarLayout}; null
     * when the bytes are no image it can read. For a folder of files this is several times faster than
     * going through Spark's image struct, which copies every pixel through a {@code Color}.
     */
    public static byte[] decode(String origin, byte[] file) {
        java.awt.image.BufferedImage image;
        try {
            image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(file));
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
        if (image == null) {
            return null;
        }
        int height = image.getHeight();
        int width = image.getWidth();
        if (image.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY) {
            java.awt.image.Raster raster = image.getRaster();
            byte[] gray = new byte[height * width];
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    gray[y * width + x] = (byte) raster.getSample(x, y, 0);
                }
            }
            return toCifarLayout(origin, height, width, 1, gray);
        }
        int[] argb = image.getRGB(0, 0, width, height, null, 0, width);
        byte[] bgr = new byte[argb.length * 3];
        for (int i = 0; i < argb.length; i++) {
            bgr[3 * i] = (byte) argb[i];
            bgr[3 * i + 1] = (byte) (argb[i] >> 8);
            bgr[3 * i + 2] = (byte) (argb[i] >> 16);
        }
        return toCifarLayout(origin, height, width, 3, bgr);
    }
}
