package io.github.sparkresnet.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import org.apache.spark.sql.Column;

/**
 * Which rows a split holds out, decided by a seeded hash of a key of each row rather than by a draw
 * in row order: the same rows whatever order or partitioning they are read in, on every run.
 */
public final class HeldOut {
    private static final long BUCKETS = 1_000_000L;

    /** The seed of {@link #validation}: fixed, so every run holds out the same images. */
    private static final long VALIDATION_SEED = 0x7a11da7eL;

    private HeldOut() {
    }

    /** True for about {@code fraction} of the rows: those whose {@code key} hashes (with {@code seed}) low. */
    public static Column by(Column key, long seed, double fraction) {
        return pmod(xxhash64(key, lit(seed)), lit(BUCKETS)).lt(lit(Math.round(fraction * BUCKETS)));
    }

    /**
     * The validation images held out of a training split ({@code --validation-fraction}), by their
     * pixels: images that are byte for byte the same fall on the same side, so none is both trained
     * on and scored.
     */
    public static Column validation(double fraction) {
        return by(col("image"), VALIDATION_SEED, fraction);
    }
}
