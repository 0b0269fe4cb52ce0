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
 * Where {@code train}'s option defaults come from besides the built-in ones: a named recipe
 * ({@code --recipe NAME}, {@link Recipe}, or a {@code recipe} key of the file), then a properties
 * file ({@code --config FILE}: {@code epochs=5}, {@code batch-size-per-worker=64}, ...) over it;
 * options on the command line win over both. Unknown keys are errors, so a typo in a file cannot
 * silently fall back to a default.
 */
final class OptionDefaults {
    private OptionDefaults() {
    }

    static void install(CommandLine cli, String[] args) {
        String file = lastValue(args, "--config");
        Properties fromFile = file == null ? new Properties() : load(Path.of(file));
        if (fromFile.containsKey("config")) {
            throw new BadInputException("--config " + file + ": key 'config' names another file; expected the "
                    + "options themselves (one file of defaults per run)");
        }
        // a recipe on the command line wins over one the file names
        String recipe = lastValue(args, "--recipe");
        if (recipe == null && fromFile.containsKey("recipe")) {
            recipe = fromFile.getProperty("recipe").trim();
        }
        if (recipe == null && file == null) {
            return;
        }
        Properties props = new Properties();
        if (recipe != null) {
            Properties fromRecipe = Recipe.load(recipe);
            requireTrainOptions(cli, fromRecipe, "--recipe " + recipe);
            props.putAll(fromRecipe);
        }
        if (file != null) {
            requireTrainOptions(cli, fromFile, "--config " + file);
            props.putAll(fromFile);
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

    /** The value of the last {@code --name VALUE} or {@code --name=VALUE} in {@code args}, or null. */
    private static String lastValue(String[] args, String name) {
        String value = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(name) && i + 1 < args.length) {
                value = args[i + 1];
            } else if (args[i].startsWith(name + "=")) {
                value = args[i].substring(name.length() + 1);
            }
        }
        return value;
    }

    private static void requireTrainOptions(CommandLine cli, Properties props, String source) {
        CommandLine train = cli.getSubcommands().get("train");
        for (String key : props.stringPropertyNames()) {
            if (train != null && train.getCommandSpec().findOption("--" + key) == null) {
                throw new BadInputException(source + ": unknown key '" + key
                        + "'; keys are train option names without '--', e.g. epochs, batch-size-per-worker");
            }
        }
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
