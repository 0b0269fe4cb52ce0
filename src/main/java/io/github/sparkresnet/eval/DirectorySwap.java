package io.github.sparkresnet.eval;

import java.io.IOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Puts a fully written directory in place of another with renames only, so a reader sees the old
 * contents or the new, never a half-written mix: the old directory is moved aside first, then the
 * new one renamed in. Renames are atomic on HDFS and local disks; on object stores such as S3 they
 * are copies (docs/training.md "Resume and re-runs").
 */
public final class DirectorySwap {
    private DirectorySwap() {
    }

    /**
     * Moves {@code written} to {@code target}; a previous {@code target} goes to {@code aside}, which
     * the caller deletes once nothing needs it, and comes back if the second rename fails. Returns
     * whether there was a previous one.
     */
    public static boolean replace(FileSystem fs, Path written, Path target, Path aside) throws IOException {
        boolean replaced = fs.exists(target);
        if (replaced) {
            rename(fs, target, aside);
        }
        try {
            rename(fs, written, target);
        } catch (IOException e) {
            if (replaced) {
                restore(fs, aside, target, e);
            }
            throw e;
        }
        return replaced;
    }

    /** Puts the previous directory back after a failed swap, so readers keep seeing it. */
    private static void restore(FileSystem fs, Path aside, Path target, IOException failure) {
        try {
            rename(fs, aside, target);
        } catch (IOException again) {
            failure.addSuppressed(again);
        }
    }

    private static void rename(FileSystem fs, Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("could not rename " + from + " to " + to);
        }
    }
}
