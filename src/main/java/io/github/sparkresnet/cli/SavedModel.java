package io.github.sparkresnet.cli;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.eval.TestTimeAugmentation;
import io.github.sparkresnet.model.SavedNetworks;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * A model or checkpoint zip that train wrote, as evaluate and predict take it: the zip's bytes, and
 * the {@code .properties} description train writes next to it (classes, run, epoch, settings).
 */
final class SavedModel {
    private SavedModel() {
    }

    /** The description next to {@code zip}; {@code option} names the user's option in errors. */
    static Properties description(FileSystem fs, Path zip, String option) throws IOException {
        if (!fs.isFile(zip)) {
            throw new BadInputException(option + ": no such file; expected a model zip written by train");
        }
        Path sidecar = new Path(zip.getParent(), zip.getName().replaceFirst("\\.zip$", "") + ".properties");
        Properties p = new Properties();
        try (InputStream in = fs.open(sidecar)) {
            p.load(in);
        } catch (IOException e) {
            throw new BadInputException(option + ": its description " + sidecar
                    + " is missing or unreadable; expected the .properties file train writes next to each model", e);
        }
        return p;
    }

    static String classes(Properties p, Path zip) {
        String classes = p.getProperty("classes");
        if (classes == null) {
            throw new BadInputException(zip + ": its description has no 'classes' entry; expected one written by train");
        }
        return classes;
    }

    /** How the model's training run scored its test images ({@code none} for models older than the option). */
    static TestTimeAugmentation tta(Properties p, Path zip) {
        try {
            return TestTimeAugmentation.named(p.getProperty("tta", "none"));
        } catch (IllegalArgumentException e) {
            throw new BadInputException(zip + ": its description's 'tta' entry: " + e.getMessage());
        }
    }

    static byte[] bytes(FileSystem fs, Path zip) throws IOException {
        try (InputStream in = fs.open(zip)) {
            return in.readAllBytes();
        }
    }

    /** The network in {@code bytes} (read from {@code zip}), without its updater; a clear error if it is none. */
    static ComputationGraph load(byte[] bytes, Path zip) {
        try {
            return SavedNetworks.restore(new ByteArrayInputStream(bytes), false);
        } catch (Exception e) {
            throw new BadInputException(zip + ": not a readable DL4J ComputationGraph model (" + e + ")", e);
        }
    }
}
