package io.github.sparkresnet.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.input.PortableDataStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Reads CIFAR-10 into a DataFrame on the executors: one task per batch file (or one for the archive),
 * each streaming its records; nothing but file names and sizes passes through the driver.
 *
 * <p>Schema, one row per image:
 * <pre>
 *   split         string   "train" or "test"
 *   source_file   string   batch file name, e.g. data_batch_3.bin
 *   record_index  int      0-based record number within that file
 *   label         int      CIFAR-10 label 0-9
 *   label_name    string   class name from batches.meta.txt, e.g. "airplane"
 *   image         binary   3072 bytes: 1024 red, 1024 green, 1024 blue, each row-major 32x32
 * </pre>
 */
public final class CifarReader {
    public static final StructType SCHEMA = new StructType(new StructField[] {
        DataTypes.createStructField("split", DataTypes.StringType, false),
        DataTypes.createStructField("source_file", DataTypes.StringType, false),
        DataTypes.createStructField("record_index", DataTypes.IntegerType, false),
        DataTypes.createStructField("label", DataTypes.IntegerType, false),
        DataTypes.createStructField("label_name", DataTypes.StringType, false),
        DataTypes.createStructField("image", DataTypes.BinaryType, false),
    });

    private CifarReader() {
    }

    /** All 60,000 records (or however many the files hold) of {@code source}. */
    public static Dataset<Row> read(SparkSession spark, CifarSource source) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<String> classNames = source.classNames();
        JavaRDD<Row> rows = source.kind() == CifarSource.Kind.DIRECTORY
                ? readDirectory(jsc, source, classNames)
                : readArchive(jsc, source, classNames);
        return spark.createDataFrame(rows, SCHEMA);
    }

    private static JavaRDD<Row> readDirectory(JavaSparkContext jsc, CifarSource source, List<String> classNames) {
        List<BatchFile> files = source.files();
        String paths = files.stream().map(BatchFile::path).collect(Collectors.joining(","));
        Map<String, BatchFile> byName = files.stream().collect(Collectors.toMap(BatchFile::name, Function.identity()));
        return jsc.binaryFiles(paths, files.size()).flatMap((Tuple2<String, PortableDataStream> t) -> {
            BatchFile file = byName.get(ArchiveEntries.baseName(t._1()));
            return new RecordIterator(file, openForThisTask(t._2()), classNames);
        });
    }

    private static JavaRDD<Row> readArchive(JavaSparkContext jsc, CifarSource source, List<String> classNames) {
        Map<String, BatchFile> byName = source.files().stream()
                .collect(Collectors.toMap(BatchFile::name, Function.identity()));
        String where = source.location();
        return jsc.binaryFiles(where, 1).flatMap((Tuple2<String, PortableDataStream> t) ->
                new ArchiveRecordIterator(ArchiveEntries.open(openForThisTask(t._2()), where), byName, classNames));
    }

    /** Opens the stream and closes it when the task ends, however far the records were read. */
    private static InputStream openForThisTask(PortableDataStream data) {
        InputStream in = data.open();
        TaskContext.get().addTaskCompletionListener((TaskContext ctx) -> {
            try {
                in.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return in;
    }

    /** The records of every batch file in a tar stream, entry after entry. */
    private static final class ArchiveRecordIterator implements Iterator<Row> {
        private final TarArchiveInputStream tar;
        private final Map<String, BatchFile> byName;
        private final List<String> classNames;
        private Iterator<Row> current = java.util.Collections.emptyIterator();

        ArchiveRecordIterator(TarArchiveInputStream tar, Map<String, BatchFile> byName, List<String> classNames) {
            this.tar = tar;
            this.byName = byName;
            this.classNames = classNames;
        }

        @Override
        public boolean hasNext() {
            try {
                while (!current.hasNext()) {
                    TarArchiveEntry entry = tar.getNextTarEntry();
                    if (entry == null) {
                        return false;
                    }
                    BatchFile file = entry.isFile() ? byName.get(ArchiveEntries.baseName(entry.getName())) : null;
                    if (file != null) {
                        current = new RecordIterator(file, tar, classNames);
                    }
                }
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException("reading the archive failed", e);
            }
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException();
            }
            return current.next();
        }
    }
}
