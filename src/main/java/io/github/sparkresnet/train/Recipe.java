package io.github.sparkresnet.train;

import io.github.sparkresnet.BadInputException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Properties;

/**
 * A named set of train option defaults, shipped in the job's jar (from
 * {@code conf/recipes/NAME.properties}, where each file says what it is and where it was measured), so
 * that a recipe is one setting away wherever the jar runs: {@code train --recipe NAME} under
 * {@code spark-submit} in cluster mode or a scheduled task, the Spark ML estimator's {@code recipe}
 * Param in a notebook. A recipe only sets options' defaults, keyed like a {@code --config} file (option
 * names without {@code --}): what it chose is recorded like any other setting, in the checkpoint's
 * description and the metrics row.
 */
public final class Recipe {
    /** The recipes shipped, in the order the help lists them. */
    public static final List<String> NAMES = List.of("reference", "quarter-hour", "long");

    private Recipe() {
    }

    /**
     * The option defaults of recipe {@code name}; {@code setting} names where the name came from
     * ({@code --recipe}, a Param) in the error an unknown name gets.
     */
    public static Properties load(String name, String setting) {
        if (!NAMES.contains(name)) {
            throw new BadInputException(setting + " " + name + ": expected one of " + String.join(", ", NAMES));
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
