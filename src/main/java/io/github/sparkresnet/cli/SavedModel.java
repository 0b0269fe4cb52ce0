package io.github.sparkresnet.cli;

import io.github.sparkresnet.BadInputException;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** The {@code .properties} description train writes next to every model and checkpoint zip. */
final class ModelDescription {
    private ModelDescription() {
    }

    static Properties read(FileSystem fs, Path zip, String option) throws IOException {
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
}
