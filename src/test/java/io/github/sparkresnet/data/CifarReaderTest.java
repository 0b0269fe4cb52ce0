package io.github.sparkresnet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.spark.TestSpark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarReaderTest {
    private static final int PER_FILE = 25;
    private final SparkSession spark = TestSpark.get();

    @TempDir
    Path tmp;

    private Dataset<Row> read(Path path) {
        return CifarReader.read(spark, CifarSource.resolve(path.toString(), spark.sparkContext().hadoopConfiguration()));
    }

    @Test
    void everyRecordBecomesARowWithTheDocumentedSchema() throws Exception {
        Dataset<Row> df = read(SyntheticCifar.writeDirectory(tmp, PER_FILE));
        assertEquals(CifarReader.SCHEMA, df.schema());
        List<Row> rows = df.collectAsList();
        assertEquals(6 * PER_FILE, rows.size());
        assertEquals(5 * PER_FILE, df.filter("split = 'train'").count());
        assertEquals(PER_FILE, df.filter("split = 'test'").count());
        for (Row r : rows) {
            String file = r.getString(1);
            int fileNo = SyntheticCifar.allFiles().indexOf(file);
            int index = r.getInt(2);
            assertEquals(fileNo == 5 ? "test" : "train", r.getString(0));
            assertEquals(index % 10, r.getInt(3));
            assertEquals(CifarLayout.DEFAULT_CLASS_NAMES.get(index % 10), r.getString(4));
            byte[] image = r.getAs(5);
            assertEquals(CifarLayout.IMAGE_BYTES, image.length);
            for (int p = 0; p < image.length; p += 97) {
                assertEquals(SyntheticCifar.pixel(fileNo, index, p), image[p] & 0xFF, file + " record " + index + " byte " + p);
            }
        }
    }

    @Test
    void theArchiveReadsToTheSameRowsAsTheDirectory() throws Exception {
        Set<String> fromDir = fingerprints(read(SyntheticCifar.writeDirectory(tmp.resolve("d"), 7)));
        Set<String> fromArchive = fingerprints(read(SyntheticCifar.writeArchive(tmp.resolve("a"), 7)));
        assertEquals(42, fromDir.size());
        assertEquals(fromDir, fromArchive);
    }

    private static Set<String> fingerprints(Dataset<Row> df) {
        Set<String> out = new HashSet<>();
        for (Row r : df.collectAsList()) {
            out.add(r.getString(0) + "/" + r.getString(1) + "/" + r.getInt(2) + "/" + r.getInt(3) + "/"
                    + java.util.Arrays.hashCode((byte[]) r.getAs(5)));
        }
        return out;
    }

    @Test
    void aLabelByteAboveNineFailsTheJobNamingFileAndRecord() throws Exception {
        Path dir = SyntheticCifar.writeDirectory(tmp, 5);
        byte[] bytes = Files.readAllBytes(dir.resolve("data_batch_4.bin"));
        bytes[3 * CifarLayout.RECORD_BYTES] = 12;
        Files.write(dir.resolve("data_batch_4.bin"), bytes);
        Exception e = assertThrows(Exception.class, () -> read(dir).count());
        BadInputException bad = BadInputException.findIn(e);
        assertNotNull(bad, "cause chain should hold a BadInputException: " + e);
        assertTrue(bad.getMessage().contains("data_batch_4.bin: record 3 (byte offset 9219) has label byte 12; expected 0-9"),
                bad.getMessage());
    }

    @Test
    void theClassPairKeepsTwoClassesAndRelabelsThem() throws Exception {
        Dataset<Row> df = read(SyntheticCifar.writeDirectory(tmp, 20));
        ClassPair pair = ClassPair.parse("bird,airplane", CifarLayout.DEFAULT_CLASS_NAMES);
        Dataset<Row> sel = pair.select(df);
        List<Row> rows = sel.select("label", ClassPair.TARGET).collectAsList();
        assertEquals(6 * 4, rows.size()); // labels 0 and 2 appear at records 0,2,10,12 of each file
        for (Row r : rows) {
            assertEquals(r.getInt(0) == 2 ? 0 : 1, r.getInt(1));
        }
        PairCounts counts = PairCounts.of(sel, pair);
        assertEquals(10, counts.get(CifarLayout.Split.TRAIN, "bird"));
        assertEquals(2, counts.get(CifarLayout.Split.TEST, "airplane"));
        assertEquals("train bird 10\ntrain airplane 10\ntest bird 2\ntest airplane 2\n", counts.toLines());
        assertArrayEquals(new String[] {"bird", "airplane"}, pair.names().toArray());
    }
}
