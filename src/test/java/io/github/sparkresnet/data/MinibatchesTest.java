package io.github.sparkresnet.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.spark.TestSpark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

class MinibatchesTest {
    private final SparkSession spark = TestSpark.get();
    private final ClassPair pair = ClassPair.parse("airplane,bird", CifarLayout.DEFAULT_CLASS_NAMES);
    private Dataset<Row> pairRows;

    @TempDir
    Path tmp;

    @BeforeEach
    void data() throws Exception {
        Path dir = SyntheticCifar.writeDirectory(tmp, 50);
        pairRows = pair.select(CifarReader.read(spark,
                CifarSource.resolve(dir.toString(), spark.sparkContext().hadoopConfiguration())));
    }

    @Test
    void tensorsAreNormalizedNchwCopiesOfTheRecordBytes() {
        List<Row> rows = pairRows.orderBy("source_file", "record_index").select("image", ClassPair.TARGET, "source_file", "record_index")
                .limit(6).collectAsList();
        DataSet ds = Minibatches.toDataSet(rows, Normalization.HALF.lookupTables());
        INDArray x = ds.getFeatures();
        assertEquals(List.of(6L, 3L, 32L, 32L), List.of(x.size(0), x.size(1), x.size(2), x.size(3)));
        for (int i = 0; i < rows.size(); i++) {
            int fileNo = SyntheticCifar.allFiles().indexOf(rows.get(i).getString(2));
            int record = rows.get(i).getInt(3);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y += 3) {
                    for (int xx = 0; xx < 32; xx += 5) {
                        int raw = SyntheticCifar.pixel(fileNo, record, CifarLayout.pixelOffset(c, y, xx));
                        assertEquals(raw / 127.5f - 1f, x.getFloat(i, c, y, xx), 1e-6);
                    }
                }
            }
            int target = rows.get(i).getInt(1);
            assertEquals(1f, ds.getLabels().getFloat(i, target));
            assertEquals(0f, ds.getLabels().getFloat(i, 1 - target));
        }
    }

    @Test
    void labelSmoothingMovesEachLabelHalfTheAmountTowardsTheOtherClass() {
        List<DataSet> smoothed = Minibatches.shuffled(pairRows, 8, 2, 42, Normalization.HALF, Augmentation.NONE, 0.1)
                .collect();
        List<DataSet> plain = Minibatches.shuffled(pairRows, 8, 2, 42, Normalization.HALF, Augmentation.NONE, 0)
                .collect();
        assertEquals(plain.size(), smoothed.size());
        for (int b = 0; b < plain.size(); b++) {
            assertEquals(plain.get(b).getFeatures(), smoothed.get(b).getFeatures(), "the same images, in the same order");
            INDArray hard = plain.get(b).getLabels();
            INDArray soft = smoothed.get(b).getLabels();
            for (int i = 0; i < hard.rows(); i++) {
                int target = hard.getFloat(i, 1) == 1f ? 1 : 0;
                assertEquals(1f, hard.getFloat(i, target), "0 gives one-hot labels exactly");
                assertEquals(0f, hard.getFloat(i, 1 - target));
                assertEquals(0.95f, soft.getFloat(i, target), 1e-7);
                assertEquals(0.05f, soft.getFloat(i, 1 - target), 1e-7);
            }
        }
    }

    @Test
    void normalizationMapsBytesToMinusOneToOne() {
        assertEquals(-1f, Normalization.HALF.apply(0, 0), 1e-7);
        assertEquals(1f, Normalization.HALF.apply(2, 255), 1e-7);
        assertEquals(0.00392f, Normalization.HALF.apply(1, 128), 1e-5);
    }

    @Test
    void shuffledBatchesHoldEveryRecordOnceInASeededOrder() {
        long expected = pairRows.count();
        List<DataSet> a = Minibatches.shuffled(pairRows, 8, 3, 42, Normalization.HALF).collect();
        List<DataSet> again = Minibatches.shuffled(pairRows, 8, 3, 42, Normalization.HALF).collect();
        List<DataSet> other = Minibatches.shuffled(pairRows, 8, 3, 43, Normalization.HALF).collect();
        assertEquals(expected, a.stream().mapToLong(DataSet::numExamples).sum());
        assertTrue(a.stream().allMatch(d -> d.numExamples() <= 8));
        assertEquals(order(a), order(again), "same seed, same order");
        assertNotEquals(order(a), order(other), "another seed, another order");
        List<Float> sortedA = order(a);
        List<Float> sortedOther = order(other);
        sortedA.sort(null);
        sortedOther.sort(null);
        assertEquals(sortedA, sortedOther, "the same records, only reordered");
    }

    @Test
    void theOrderDependsOnTheRecordsNotOnHowTheyArrive() {
        List<DataSet> a = Minibatches.shuffled(pairRows, 8, 1, 42, Normalization.HALF).collect();
        Dataset<Row> rearranged = pairRows.orderBy(org.apache.spark.sql.functions.col("record_index").desc())
                .repartition(5);
        List<DataSet> b = Minibatches.shuffled(rearranged, 8, 1, 42, Normalization.HALF).collect();
        assertEquals(order(a), order(b), "the same records in another order and partitioning, the same permutation");
    }

    /** A per-example signature: the sum of its normalized pixels (distinct for distinct synthetic records). */
    private static List<Float> order(List<DataSet> batches) {
        List<Float> out = new ArrayList<>();
        for (DataSet d : batches) {
            for (int i = 0; i < d.numExamples(); i++) {
                out.add(d.getFeatures().slice(i).sumNumber().floatValue());
            }
        }
        return out;
    }
}
