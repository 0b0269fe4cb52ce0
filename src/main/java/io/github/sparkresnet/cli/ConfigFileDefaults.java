package io.github.sparkresnet.cli;

import io.github.sparkresnet.BadInputException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code --config FILE}: option defaults from a properties file ({@code epochs=5},
 * {@code batch-size-per-worker=64}, ...). Command-line options still win. Unknown keys are errors, so
 * a typo in the file cannot silently fall back to a default.
 */
final class ConfigFileDefaults {
    private ConfigFileDefaults() {
    }

    static void install(CommandLine cli, String[] args) {
        String file = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                file = args[i + 1];
            } else if (args[i].startsWith("--config=")) {
                file = args[i].substring("--config=".length());
            }
        }
        if (file == null) {
            return;
        }
        Properties props = load(Path.of(file));
        for (CommandLine sub : cli.getSubcommands().values()) {
            for (String key : props.stringPropertyNames()) {
                if (sub.getCommandSpec().findOption("--" + key) == null && sub.getCommandName().equals("train")) {
                    throw new BadInputException("--config " + file + ": unknown key '" + key
                            + "'; keys are train option names without '--', e.g. epochs, batch-size-per-worker");
                }
            }
        }
        cli.setDefaultValueProvider(argSpec -> {
            if (argSpec instanceof OptionSpec opt) {
                String v = props.getProperty(opt.longestName().replaceFirst("^--", ""));
                if (v != null) {
                    return v.trim();
                }
            }
            return argSpec.defaultValue();
        });
    }

    private static Properties load(Path file) {
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            props.load(in);
        } catch (IOException e) {
            throw new BadInputException("--config " + file + ": cannot be read (" + e.getMessage() + ")", e);
        }
        return props;
    }
}
