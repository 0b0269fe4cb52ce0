package io.github.sparkresnet.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.sparkresnet.spark.TestSpark;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** The real 60,000-image CIFAR-10 from ../shared, end to end through the data pipeline. */
class RealCifarIT {
    private static Path dir;
    private static Dataset<Row> all;
    private static final SparkSession spark = TestSpark.get();

    @BeforeAll
    static void load() throws Exception {
        dir = RealCifar.dir();
        all = CifarReader.read(spark, CifarSource.resolve(dir.toString(), spark.sparkContext().hadoopConfiguration()))
                .cache();
    }

    @Test
    void fullSplitsAndTheDefaultPair() {
        assertEquals(50_000, all.filter("split = 'train'").count());
        assertEquals(10_000, all.filter("split = 'test'").count());
        ClassPair pair = ClassPair.parse(ClassPair.DEFAULT, CifarLayout.DEFAULT_CLASS_NAMES);
        PairCounts counts = PairCounts.of(pair.select(all), pair);
        assertEquals(10_000, counts.total(CifarLayout.Split.TRAIN));
        assertEquals(2_000, counts.total(CifarLayout.Split.TEST));
        assertEquals(5_000, counts.get(CifarLayout.Split.TRAIN, "airplane"));
        assertEquals(5_000, counts.get(CifarLayout.Split.TRAIN, "bird"));
        assertEquals(1_000, counts.get(CifarLayout.Split.TEST, "airplane"));
        assertEquals(1_000, counts.get(CifarLayout.Split.TEST, "bird"));
    }

    @Test
    void tensorsEqualTheRawBytesUnderTheDocumentedLayout() throws Exception {
        ClassPair pair = ClassPair.parse(ClassPair.DEFAULT, CifarLayout.DEFAULT_CLASS_NAMES);
        List<Row> picked = pair.select(all)
                .filter("(source_file = 'data_batch_2.bin' and record_index < 40) or "
                        + "(source_file = 'test_batch.bin' and record_index > 9950)")
                .select("image", ClassPair.TARGET, "source_file", "record_index", "label")
                .collectAsList();
        DataSet ds = Minibatches.toDataSet(picked, Normalization.HALF.lookupTables());
        INDArray x = ds.getFeatures();
        for (int i = 0; i < picked.size(); i++) {
            Row r = picked.get(i);
            byte[] record = rawRecord(dir.resolve(r.getString(2)), r.getInt(3));
            assertEquals(record[0] & 0xFF, r.getInt(4), "label byte");
            assertEquals(r.getInt(4) == 0 ? 0 : 1, r.getInt(1), "target");
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int xx = 0; xx < 32; xx++) {
                        int raw = record[1 + CifarLayout.pixelOffset(c, y, xx)] & 0xFF;
                        assertEquals((raw / 255f - 0.5f) / 0.5f, x.getFloat(i, c, y, xx), 1e-6,
                                r.getString(2) + " record " + r.getInt(3) + " at c=" + c + " y=" + y + " x=" + xx);
                    }
                }
            }
        }
        assertEquals(true, picked.size() >= 8, "picked " + picked.size() + " records");
    }

    private static byte[] rawRecord(Path file, int index) throws Exception {
        byte[] b = new byte[CifarLayout.RECORD_BYTES];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek((long) index * CifarLayout.RECORD_BYTES);
            f.readFully(b);
        }
        return b;
    }
}
