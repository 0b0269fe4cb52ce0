package io.github.sparkresnet.data;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The standard CIFAR training augmentation, as torchvision's {@code RandomCrop(32, padding=4)} and
 * {@code RandomHorizontalFlip()}: pad the image with black by {@code padding} pixels on every side,
 * cut a random 32x32 window out of it, and mirror it left-right with probability 1/2. Applied on the
 * executors while minibatches are built, from a seeded generator: the same seed gives the same images,
 * also when Spark re-runs a task.
 *
 * @param padding pixels of black border the crop may move into (0: no crop)
 * @param flip    mirror half of the images left-right
 */
public record Augmentation(int padding, boolean flip) implements Serializable {
    /** Training without augmentation. */
    public static final Augmentation NONE = new Augmentation(0, false);
    /** Horizontal flip only: the image content is kept whole, so it adds variety without making the
     *  task harder to fit in a few epochs. */
    public static final Augmentation FLIP = new Augmentation(0, true);
    /** 4-pixel random crop and horizontal flip. */
    public static final Augmentation CROP_AND_FLIP = new Augmentation(4, true);

    /** Each augmentation by the name the options use, in order of strength. */
    private static final Map<String, Augmentation> BY_NAME = byName();

    /** The names the options use, in order of strength. */
    public static final String NAMES = String.join(", ", BY_NAME.keySet());

    private static Map<String, Augmentation> byName() {
        Map<String, Augmentation> m = new LinkedHashMap<>();
        m.put("none", NONE);
        m.put("flip", FLIP);
        m.put("crop-flip", CROP_AND_FLIP);
        return Collections.unmodifiableMap(m);
    }

    public Augmentation {
        if (padding < 0 || padding >= CifarLayout.WIDTH) {
            throw new IllegalArgumentException("padding must be in [0, 32), was " + padding);
        }
    }

    /** The augmentation called {@code name} (one of {@link #NAMES}, case-insensitive). */
    public static Augmentation named(String name) {
        Augmentation a = BY_NAME.get(name.trim().toLowerCase(Locale.ROOT));
        if (a == null) {
            throw new IllegalArgumentException("expected one of " + NAMES + ", found '" + name + "'");
        }
        return a;
    }

    /** This augmentation's name in {@link #NAMES}, or its fields when it is none of them. */
    public String label() {
        return BY_NAME.entrySet().stream().filter(e -> e.getValue().equals(this)).map(Map.Entry::getKey)
                .findFirst().orElse("crop" + padding + (flip ? "-flip" : ""));
    }

    /**
     * Writes the augmented, normalized image {@code image} (3072 CHW bytes) into {@code out} at
     * {@code offset}; {@code lut} maps bytes to normalized floats per channel, so the black border is
     * {@code lut[c][0]}, as it is when torchvision pads before normalizing.
     */
    void apply(byte[] image, float[][] lut, float[] out, int offset, Random rng) {
        int dy = padding == 0 ? 0 : rng.nextInt(2 * padding + 1) - padding;
        int dx = padding == 0 ? 0 : rng.nextInt(2 * padding + 1) - padding;
        boolean mirror = flip && rng.nextBoolean();
        int w = CifarLayout.WIDTH;
        int h = CifarLayout.HEIGHT;
        for (int c = 0; c < CifarLayout.CHANNELS; c++) {
            float[] table = lut[c];
            int plane = c * CifarLayout.PLANE_BYTES;
            for (int y = 0; y < h; y++) {
                int sy = y + dy;
                for (int x = 0; x < w; x++) {
                    int sx = (mirror ? w - 1 - x : x) + dx;
                    int v = sy < 0 || sy >= h || sx < 0 || sx >= w ? 0 : image[plane + sy * w + sx] & 0xFF;
                    out[offset + plane + y * w + x] = table[v];
                }
            }
        }
    }
}
