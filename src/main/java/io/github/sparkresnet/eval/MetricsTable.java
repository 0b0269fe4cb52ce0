package io.github.sparkresnet.eval;

import io.github.sparkresnet.OutputStoreException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-epoch metrics table: Parquet under {@code OUTPUT/metrics/}, one directory per run and
 * epoch ({@code run_id=R/epoch=E/}), so {@code spark.read.parquet(OUTPUT/metrics)} sees
 * {@code run_id} and {@code epoch} as partition columns.
 *
 * <p>Each epoch is written to a staging directory (ignored by readers: its name starts with
 * {@code _}) and then renamed into place, replacing a previous row of the same epoch. A failed write
 * leaves nothing visible; re-running an epoch replaces its row, never adds a second one.
 *
 * <p>Timestamps are written as Parquet's {@code TIMESTAMP_MICROS} (UTC), which every Parquet reader
 * reads (pyarrow, DuckDB, Polars, JavaScript ones), rather than Spark's default legacy INT96; tables
 * written with INT96 before still read, alone or mixed with newer rows.
 */
public final class MetricsTable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsTable.class);
    private static final String TIMESTAMP_TYPE = "spark.sql.parquet.outputTimestampType";
    private final SparkSession spark;
    private final Path root;

    public MetricsTable(SparkSession spark, String output) {
        this.spark = spark;
        this.root = new Path(output, "metrics");
    }

    public String path() {
        return root.toString();
    }

    /** Writes (or replaces) the row of {@code m.epoch()} for {@code m.runId()}, atomically per epoch. */
    public void write(EpochMetrics m) {
        Path target = new Path(new Path(root, "run_id=" + m.runId()), "epoch=" + m.epoch());
        Path staging = new Path(staging(m.runId()), m.epoch() + "-" + UUID.randomUUID());
        try {
            FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
            writeParquet(m, staging);
            fs.mkdirs(target.getParent());
            if (DirectorySwap.replace(fs, staging, target, new Path(staging(m.runId()), "replaced-" + UUID.randomUUID()))) {
                LOG.info("replaced the metrics row of run {} epoch {}", m.runId(), m.epoch());
            }
            fs.delete(staging(m.runId()), true); // the replaced row, if any; one driver per run writes here
        } catch (Exception e) { // the store's IOException, or a Spark job that failed writing Parquet to it
            throw new OutputStoreException("writing the metrics row of run " + m.runId() + " epoch " + m.epoch()
                    + " to " + target, e);
        }
    }

    /**
     * One row as Parquet, timestamps as {@code TIMESTAMP_MICROS}: Spark takes that from the session's
     * SQL setting only (not a write option), so it is set for this write and put back after it.
     */
    private void writeParquet(EpochMetrics m, Path dir) {
        RuntimeConfig conf = spark.conf();
        scala.Option<String> before = conf.getOption(TIMESTAMP_TYPE);
        conf.set(TIMESTAMP_TYPE, "TIMESTAMP_MICROS");
        try {
            spark.createDataFrame(List.of(m.toRow()), EpochMetrics.SCHEMA).coalesce(1)
                    .write().mode(SaveMode.ErrorIfExists).parquet(dir.toString());
        } finally {
            if (before.isDefined()) {
                conf.set(TIMESTAMP_TYPE, before.get());
            } else {
                conf.unset(TIMESTAMP_TYPE);
            }
        }
    }

    /** Where a run's rows are written before they are renamed into place; readers skip {@code _} names. */
    private Path staging(String runId) {
        return new Path(new Path(root, "_staging"), runId);
    }

    /**
     * Removes what a killed driver of {@code runId} may have left half-written in staging. Only the
     * run's own directory: another run may be writing next to it.
     */
    public void discardStaging(String runId) {
        Path dir = staging(runId);
        try {
            FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(dir)) {
                fs.delete(dir, true);
                LOG.info("removed the unfinished metrics writes of an earlier attempt of run {}", runId);
            }
        } catch (IOException e) {
            throw new OutputStoreException("cleaning " + dir, e);
        }
    }

    /** The rows of one run, by epoch; empty when the run wrote none. */
    public java.util.List<org.apache.spark.sql.Row> rows(String runId) {
        Path run = new Path(root, "run_id=" + runId);
        try {
            if (!run.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(run)) {
                return List.of();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + run + " failed", e);
        }
        return spark.read().option("basePath", root.toString()).option("mergeSchema", "true").parquet(run.toString())
                .orderBy("epoch").collectAsList();
    }
}
