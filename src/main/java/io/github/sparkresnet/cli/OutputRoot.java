package io.github.sparkresnet.cli;

import io.github.sparkresnet.eval.MetricsTable;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/** {@code --output} of the commands that read or add metrics rows (evaluate, check, report): a run output root as train writes it. */
final class OutputRoot {
    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "The run output root, as train's --output: its metrics/ table is read (or, by evaluate, added to).")
    String path;

    /** The metrics table under this root. */
    MetricsTable metrics(SparkSession spark) {
        return new MetricsTable(spark, path);
    }
}
