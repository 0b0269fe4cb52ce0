package io.github.sparkresnet.data;

import static org.apache.spark.sql.functions.col;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Record counts per split and class of a class pair's rows, in a fixed order (train, test, then any other split a run made, such as validation). */
public record PairCounts(Map<String, Long> counts) {

    /** Counts {@code pairRows} (output of {@link ClassPair#select}) with one small Spark aggregation. */
    public static PairCounts of(Dataset<Row> pairRows, ClassPair pair) {
        Map<String, Long> found = new LinkedHashMap<>();
        for (Row r : pairRows.groupBy(col("split"), col("label_name")).count().collectAsList()) {
            found.put(r.getString(0) + " " + r.getString(1), r.getLong(2));
        }
        Map<String, Long> ordered = new LinkedHashMap<>();
        for (CifarLayout.Split split : CifarLayout.Split.values()) {
            for (String name : List.of(pair.firstName(), pair.secondName())) {
                String key = split.label() + " " + name;
                ordered.put(key, found.getOrDefault(key, 0L));
            }
        }
        found.forEach(ordered::putIfAbsent); // splits a run makes of its own, e.g. validation
        return new PairCounts(ordered);
    }

    public long get(CifarLayout.Split split, String className) {
        return counts.getOrDefault(split.label() + " " + className, 0L);
    }

    public long total(CifarLayout.Split split) {
        return counts.entrySet().stream().filter(e -> e.getKey().startsWith(split.label() + " "))
                .mapToLong(Map.Entry::getValue).sum();
    }

    /** One line per split and class, e.g. {@code train airplane 5000}. */
    public String toLines() {
        StringBuilder sb = new StringBuilder();
        counts.forEach((k, v) -> sb.append(k).append(' ').append(v).append('\n'));
        return sb.toString();
    }
}
