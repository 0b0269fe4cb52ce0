package io.github.sparkresnet.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;

import io.github.sparkresnet.BadInputException;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The two CIFAR-10 classes a run trains on, and their new labels: the first named class becomes 0,
 * the second 1 (the reference's {@code {0:0, 2:1}} for {@code airplane,bird}).
 */
public record ClassPair(int firstLabel, int secondLabel, String firstName, String secondName) implements Serializable {
    public static final String DEFAULT = "airplane,bird";
    /** Column added by {@link #select}: the 0/1 training target. */
    public static final String TARGET = "target";

    /**
     * Parses {@code --classes}: two comma-separated class names (case-insensitive) or label indices 0-9.
     *
     * @param classNames the ten names in label order, from the data's {@code batches.meta.txt}
     */
    public static ClassPair parse(String spec, List<String> classNames) {
        String[] parts = spec == null ? new String[0] : spec.split(",", -1);
        if (parts.length != 2) {
            throw new BadInputException("--classes " + spec + ": expected two classes separated by a comma, e.g. "
                    + DEFAULT + " or 0,2; valid classes: " + String.join(", ", classNames));
        }
        int a = labelOf(parts[0].trim(), spec, classNames);
        int b = labelOf(parts[1].trim(), spec, classNames);
        if (a == b) {
            throw new BadInputException("--classes " + spec + ": the same class (" + classNames.get(a)
                    + ") is named twice; expected two different classes");
        }
        return new ClassPair(a, b, classNames.get(a), classNames.get(b));
    }

    private static int labelOf(String token, String spec, List<String> classNames) {
        if (token.matches("\\d+")) {
            int index = Integer.parseInt(token);
            if (index < classNames.size()) {
                return index;
            }
            throw new BadInputException("--classes " + spec + ": label index " + token + " is out of range; expected 0-"
                    + (classNames.size() - 1));
        }
        for (int i = 0; i < classNames.size(); i++) {
            if (classNames.get(i).toLowerCase(Locale.ROOT).equals(token.toLowerCase(Locale.ROOT))) {
                return i;
            }
        }
        throw new BadInputException("--classes " + spec + ": unknown class '" + token + "'; valid classes: "
                + String.join(", ", classNames) + " (or their indices 0-" + (classNames.size() - 1) + ")");
    }

    /** The rows of the two classes, with {@value #TARGET} = 0 for the first class and 1 for the second. */
    public Dataset<Row> select(Dataset<Row> cifar) {
        return cifar.filter(col("label").isin(firstLabel, secondLabel))
                .withColumn(TARGET, when(col("label").equalTo(firstLabel), 0).otherwise(1));
    }

    /** Class names in target order: index 0 is the first class. */
    public List<String> names() {
        return new ArrayList<>(List.of(firstName, secondName));
    }

    @Override
    public String toString() {
        return firstName + "(" + firstLabel + ")->0, " + secondName + "(" + secondLabel + ")->1";
    }
}
