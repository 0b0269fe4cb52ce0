package io.github.sparkresnet.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.spark.TestSpark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metrics table's files as other Parquet readers see them, and rows written by older versions. */
class MetricsTableTest {
    private static final Instant START = Instant.parse("2026-12-02T10:15:30.123456Z");
    private static final Instant END = Instant.parse("2026-12-02T10:16:21.654321Z");

    @TempDir
    Path out;

    @Test
    void timestampsAreUtcMicrosecondsNotInt96() throws IOException {
        SparkSession spark = TestSpark.get();
        String sessionSetting = spark.conf().get("spark.sql.parquet.outputTimestampType");
        new MetricsTable(spark, out.toString()).write(MetricsRows.row("r", 1, 3, START, END));

        PrimitiveType start = column(parquetFile(out.resolve("metrics/run_id=r/epoch=1")), "start_time");
        assertEquals(PrimitiveType.PrimitiveTypeName.INT64, start.getPrimitiveTypeName());
        assertEquals(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS),
                start.getLogicalTypeAnnotation());
        Row row = new MetricsTable(spark, out.toString()).rows("r").get(0);
        assertEquals(START, ((Timestamp) row.getAs("start_time")).toInstant());
        assertEquals(END, ((Timestamp) row.getAs("end_time")).toInstant());
        assertEquals(sessionSetting, spark.conf().get("spark.sql.parquet.outputTimestampType"),
                "the session's own setting is left as it was");
    }

    @Test
    void rowsWrittenAsInt96BeforeStillReadBesideNewOnes() throws IOException {
        SparkSession spark = TestSpark.get();
        // epoch 1 as earlier versions wrote it: Spark's default INT96 timestamps
        spark.conf().set("spark.sql.parquet.outputTimestampType", "INT96");
        try {
            spark.createDataFrame(List.of(MetricsRows.row("r", 1, 2, START, END).toRow()), EpochMetrics.SCHEMA)
                    .coalesce(1).write().mode(SaveMode.ErrorIfExists)
                    .parquet(out.resolve("metrics/run_id=r/epoch=1").toString());
        } finally {
            spark.conf().unset("spark.sql.parquet.outputTimestampType");
        }
        assertEquals(PrimitiveType.PrimitiveTypeName.INT96,
                column(parquetFile(out.resolve("metrics/run_id=r/epoch=1")), "start_time").getPrimitiveTypeName());
        MetricsTable table = new MetricsTable(spark, out.toString());
        table.write(MetricsRows.row("r", 2, 3, START.plusSeconds(60), END.plusSeconds(60)));

        List<Row> rows = table.rows("r");
        assertEquals(2, rows.size());
        assertEquals(START, ((Timestamp) rows.get(0).getAs("start_time")).toInstant());
        assertEquals(START.plusSeconds(60), ((Timestamp) rows.get(1).getAs("start_time")).toInstant());
        assertEquals(0.75, (double) rows.get(1).getAs("val_accuracy"), 1e-12);
    }

    @Test
    void theScoredSplitAndTrainOptionsAreRecordedAndOlderRowsWithoutThemStillRead() {
        SparkSession spark = TestSpark.get();
        // epoch 1 as versions before these two columns wrote it
        spark.createDataFrame(List.of(MetricsRows.row("r", 1, 2, START, END).toRow()), EpochMetrics.SCHEMA)
                .drop("val_split", "train_options").coalesce(1).write().mode(SaveMode.ErrorIfExists)
                .parquet(out.resolve("metrics/run_id=r/epoch=1").toString());
        MetricsTable table = new MetricsTable(spark, out.toString());
        table.write(MetricsRows.row("r", 2, 3, START.plusSeconds(60), END.plusSeconds(60)));

        List<Row> rows = table.rows("r");
        assertEquals(2, rows.size());
        assertTrue(rows.get(0).isNullAt(rows.get(0).fieldIndex("val_split")));
        assertEquals("test", rows.get(1).getAs("val_split"));
        assertEquals(java.util.Map.of("epochs", "1"), rows.get(1).getJavaMap(rows.get(1).fieldIndex("train_options")));
    }

    private static Path parquetFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
    }

    private static PrimitiveType column(Path file, String name) throws IOException {
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(file.toUri()), new Configuration()))) {
            return reader.getFooter().getFileMetaData().getSchema().getType(name).asPrimitiveType();
        }
    }
}
