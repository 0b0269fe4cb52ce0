package io.github.sparkresnet.ml;

import io.github.sparkresnet.train.TrainConfig;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.Identifiable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code train} options as Spark ML Params, derived from their one definition ({@link TrainConfig}):
 * each option becomes a Param named in camelCase ({@code --batch-size-per-worker} →
 * {@code batchSizePerWorker}), typed by the option (Int, Long, Double, Boolean; String for the rest,
 * as the option takes it, e.g. {@code augment = "crop-flip"}), documented by its help and defaulting to
 * its default. Values go back through the command line's own parser and checks, so a Param takes
 * exactly what its option takes. Options the DataFrame replaces have no Param ({@link #REPLACED}).
 */
final class TrainParams implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * Options that choose the images, which a DataFrame's rows and columns do instead: the data
     * location, its held-out split, the two classes (the label column holds 0/1), subset sizes.
     */
    static final Set<String> REPLACED = Set.of("--data", "--images", "--test-fraction", "--split-seed", "--classes",
            "--limit-train", "--limit-test", "--validation-fraction");

    /**
     * Options whose Param has no default: unset, {@code fit} trains in a temporary output directory
     * (removed after it) under a fresh run id; set, the run is kept there as {@code train} keeps it.
     */
    static final Set<String> UNSET_BY_DEFAULT = Set.of("--output", "--run-id");

    private final Map<String, Param<?>> byOption = new LinkedHashMap<>();
    private final Map<Param<?>, Object> defaults = new LinkedHashMap<>();

    TrainParams(Identifiable owner) {
        TrainConfig built = TrainConfig.parse(List.of());
        Map<String, String> texts = built.asMap();
        for (OptionSpec option : CommandSpec.forAnnotatedObject(built).options()) {
            String name = option.longestName();
            if (REPLACED.contains(name)) {
                continue;
            }
            Param<?> param = param(owner, camelCase(name), option);
            byOption.put(name, param);
            if (!UNSET_BY_DEFAULT.contains(name)) {
                defaults.put(param, takesText(param) ? texts.get(name.substring(2)) : option.getValue());
            }
        }
    }

    /** Whether a Param holds text (the option's own form of its value) rather than a number or a flag. */
    static boolean takesText(Param<?> param) {
        return !(param instanceof IntParam || param instanceof LongParam || param instanceof DoubleParam
                || param instanceof BooleanParam);
    }

    private static Param<?> param(Identifiable owner, String name, OptionSpec option) {
        String doc = String.join(" ", option.description()).replace("${DEFAULT-VALUE}", String.valueOf(
                option.defaultValue())) + " (train option " + option.longestName() + ")";
        Class<?> type = option.type();
        if (type == int.class || type == Integer.class) {
            return new IntParam(owner, name, doc);
        }
        if (type == long.class || type == Long.class) {
            return new LongParam(owner, name, doc);
        }
        if (type == double.class || type == Double.class) {
            return new DoubleParam(owner, name, doc);
        }
        if (type == boolean.class || type == Boolean.class) {
            return new BooleanParam(owner, name, doc);
        }
        return new Param<String>(owner, name, doc);
    }

    /** {@code --batch-size-per-worker} → {@code batchSizePerWorker}. */
    static String camelCase(String option) {
        String[] words = option.substring(2).split("-");
        StringBuilder sb = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) {
            sb.append(words[i].substring(0, 1).toUpperCase(Locale.ROOT)).append(words[i].substring(1));
        }
        return sb.toString();
    }

    /** The Params, in the options' order. */
    List<Param<?>> params() {
        return new ArrayList<>(byOption.values());
    }

    /** Each Param with a default, and that default (the option's). */
    Map<Param<?>, Object> defaults() {
        return defaults;
    }

    /** The Param of a train option ({@code --epochs}), or null when the DataFrame replaces it. */
    Param<?> of(String option) {
        return byOption.get(option);
    }

    /**
     * The settings {@code owner}'s Params hold, through train's own parser: each defined Param as its
     * option (booleans as a flag when true), a Param not set taking {@code recipe}'s value where the
     * recipe has one (as {@code train --recipe} does: the recipe over the defaults, what the user set
     * over the recipe), but those {@code extra} gives ({@code --name=value}), which win.
     */
    TrainConfig toConfig(Params owner, Properties recipe, List<String> extra) {
        for (String key : recipe.stringPropertyNames()) {
            if (!byOption.containsKey("--" + key)) {
                throw new IllegalStateException("the recipe sets " + key + ", which has no Param (the DataFrame "
                        + "replaces it, or it is not a train option)");
            }
        }
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, Param<?>> e : byOption.entrySet()) {
            Param<?> param = e.getValue();
            if (extra.stream().anyMatch(x -> x.startsWith(e.getKey() + "="))) {
                continue;
            }
            String fromRecipe = owner.isSet(param) ? null : recipe.getProperty(e.getKey().substring(2));
            Object value;
            if (fromRecipe != null) {
                value = param instanceof BooleanParam ? Boolean.valueOf(fromRecipe.trim()) : fromRecipe.trim();
            } else if (owner.isDefined(param)) {
                value = owner.getOrDefault(param);
            } else {
                continue;
            }
            if (value instanceof Boolean b) {
                if (b) {
                    args.add(e.getKey());
                }
            } else {
                args.add(e.getKey() + "=" + value);
            }
        }
        args.addAll(extra);
        return TrainConfig.parse(args);
    }
}
