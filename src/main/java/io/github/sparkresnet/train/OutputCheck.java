package io.github.sparkresnet.train;

import io.github.sparkresnet.BadInputException;

import java.io.IOException;
import java.io.OutputStream;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Fails early, before any training, if the run's output cannot be written. */
final class OutputCheck {
    private OutputCheck() {
    }

    static void writable(String output, Configuration conf) {
        Path root = new Path(output);
        Path probe = new Path(root, "._write-check-" + UUID.randomUUID());
        try {
            FileSystem fs = root.getFileSystem(conf);
            if (fs.exists(root) && !fs.getFileStatus(root).isDirectory()) {
                throw new BadInputException("--output " + output + ": is a file; expected a directory (it is created if missing)");
            }
            fs.mkdirs(root);
            try (OutputStream out = fs.create(probe, false)) {
                out.write(1);
            }
            fs.delete(probe, false);
        } catch (IOException e) {
            throw new BadInputException("--output " + output + ": cannot be written (" + e.getMessage() + ")", e);
        }
    }
}
