package io.github.sparkresnet.cli;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.train.Recipe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where {@code train}'s option defaults come from besides the built-in ones: a properties file
 * ({@code --config FILE}: {@code epochs=5}, {@code batch-size-per-worker=64}, ...) and a named recipe
 * ({@link Recipe}): {@code --recipe NAME} over the file, or a {@code recipe} key of the file under the
 * file's other keys. Options on the command line win over all of them. Unknown keys are errors, so a
 * typo in a file cannot silently fall back to a default.
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
        String recipe = lastValue(args, "--recipe");
        String fileRecipe = fromFile.containsKey("recipe") ? fromFile.getProperty("recipe").trim() : null;
        if (recipe == null && file == null) {
            return;
        }
        // A recipe counts where it is named: one on the command line over the file (a file copied from
        // conf/train.properties lists every option, and would otherwise hide the recipe asked for), one
        // the file names under the file's own keys; options on the command line over everything.
        Properties props = new Properties();
        if (recipe == null && fileRecipe != null) {
            props.putAll(recipe(cli, fileRecipe));
        }
        if (file != null) {
            requireTrainOptions(cli, fromFile, "--config " + file);
            props.putAll(fromFile);
        }
        if (recipe != null) {
            props.putAll(recipe(cli, recipe));
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

    private static Properties recipe(CommandLine cli, String name) {
        Properties props = Recipe.load(name, "--recipe");
        requireTrainOptions(cli, props, "--recipe " + name);
        return props;
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
