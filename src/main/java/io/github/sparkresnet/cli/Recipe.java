package io.github.sparkresnet.cli;

import io.github.sparkresnet.BadInputException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Properties;

/**
 * {@code train --recipe NAME}: a named set of train option defaults, shipped in the job's jar (from
 * {@code conf/recipes/NAME.properties}, where each file says what it is and where it was measured),
 * so that a recipe is one option away wherever the jar runs: {@code spark-submit} in cluster mode, a
 * notebook, a scheduled task. A recipe only sets options' defaults: what it chose is recorded like
 * any other setting, in the checkpoint's description and the metrics row.
 */
final class Recipe {
    /** The recipes shipped, in the order the help lists them. */
    static final List<String> NAMES = List.of("reference", "quarter-hour", "long");

    private Recipe() {
    }

    /** The option defaults of recipe {@code name}, keyed like a {@code --config} file. */
    static Properties load(String name) {
        if (!NAMES.contains(name)) {
            throw new BadInputException("--recipe " + name + ": expected one of " + String.join(", ", NAMES));
        }
        Properties props = new Properties();
        try (InputStream in = Recipe.class.getResourceAsStream("recipes/" + name + ".properties")) {
            if (in == null) {
                throw new IllegalStateException("recipe " + name + " is missing from the jar (conf/recipes)");
            }
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return props;
    }
}
