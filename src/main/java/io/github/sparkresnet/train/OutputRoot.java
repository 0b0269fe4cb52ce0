package io.github.sparkresnet.train;

import io.github.sparkresnet.eval.MetricsTable;

import java.io.Serializable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/**
 * {@code --output}, declared once for the commands that write or read a run output root: train
 * writes it, evaluate adds metrics rows to it, check and report read them.
 */
public final class OutputRoot implements Serializable {
    private static final long serialVersionUID = 1L;

    @Option(names = "--output", defaultValue = "runs", paramLabel = "DIR",
            description = "The run output root (any Hadoop path): metrics/ (train writes rows, evaluate adds "
                    + "them, check and report read them), checkpoints/ and model/. Default: ${DEFAULT-VALUE}.")
    public String path;

    /** The metrics table under this root. */
    public MetricsTable metrics(SparkSession spark) {
        return new MetricsTable(spark, path);
    }
}
