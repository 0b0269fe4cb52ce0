package io.github.sparkresnet.data;

import java.io.Serializable;

/**
 * Pixel scaling as the reference does it: {@code ToTensor()} (byte/255) then
 * {@code Normalize(mean, std)} per channel, so {@code x = (byte/255 - mean[c]) / std[c]}.
 */
public record Normalization(float[] mean, float[] std) implements Serializable {
    /** The reference experiment's mean 0.5 / std 0.5 on every channel: pixels land in [-1, 1]. */
    public static final Normalization HALF = new Normalization(
            new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f});

    /** Per-channel lookup tables from byte value to normalized float, computed once per batch builder. */
    float[][] lookupTables() {
        float[][] tables = new float[CifarLayout.CHANNELS][256];
        for (int c = 0; c < CifarLayout.CHANNELS; c++) {
            for (int v = 0; v < 256; v++) {
                tables[c][v] = apply(c, v);
            }
        }
        return tables;
    }

    /** The normalized value of byte {@code v} (0-255) on channel {@code c}. */
    public float apply(int c, int v) {
        return (v / 255f - mean[c]) / std[c];
    }
}
