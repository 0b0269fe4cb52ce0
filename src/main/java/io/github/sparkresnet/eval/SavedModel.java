package io.github.sparkresnet.eval;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.model.SavedNetworks;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * A model or checkpoint zip that train wrote, as evaluate, predict and the Spark ML model take it: the
 * zip's bytes, and the {@code .properties} description train writes next to it (classes, run, epoch,
 * settings).
 */
public final class SavedModel {
    private SavedModel() {
    }

    /** The description next to {@code zip}; {@code option} names the user's option in errors. */
    public static Properties description(FileSystem fs, Path zip, String option) throws IOException {
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

    public static String classes(Properties p, Path zip) {
        String classes = p.getProperty("classes");
        if (classes == null) {
            throw new BadInputException(zip + ": its description has no 'classes' entry; expected one written by train");
        }
        return classes;
    }

    /**
     * The class names in target order: the description's {@code class_names}, or, in descriptions
     * written before it, {@code classes} when that names them (rather than giving label indices).
     */
    public static List<String> classNames(Properties p, Path zip) {
        String names = p.getProperty("class_names");
        if (names == null) {
            names = classes(p, zip);
            if (Arrays.stream(names.split(",")).anyMatch(n -> n.trim().matches("\\d+"))) {
                throw new BadInputException(zip + ": its description gives the classes as label indices (classes="
                        + names + ") and has no class_names entry (a model written before it); expected the "
                        + "class names: pass them with the network's bytes instead");
            }
        }
        return Arrays.stream(names.split(",")).map(String::trim).collect(Collectors.toList());
    }

    /** How the model's training run scored its test images ({@code none} for models older than the option). */
    public static TestTimeAugmentation tta(Properties p, Path zip) {
        try {
            return TestTimeAugmentation.named(p.getProperty("tta", "none"));
        } catch (IllegalArgumentException e) {
            throw new BadInputException(zip + ": its description's 'tta' entry: " + e.getMessage());
        }
    }

    public static byte[] bytes(FileSystem fs, Path zip) throws IOException {
        try (InputStream in = fs.open(zip)) {
            return in.readAllBytes();
        }
    }

    /** The network in {@code bytes} (read from {@code zip}), without its updater; a clear error if it is none. */
    public static ComputationGraph load(byte[] bytes, Path zip) {
        try {
            return SavedNetworks.restore(new ByteArrayInputStream(bytes), false);
        } catch (Exception e) {
            throw new BadInputException(zip + ": not a readable DL4J ComputationGraph model (" + e + ")", e);
        }
    }
}
