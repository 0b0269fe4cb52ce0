package io.github.sparkresnet.train;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.SyntheticCifar;
import io.github.sparkresnet.spark.TestSpark;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --validation-fraction}: which images a run trains on and which it scores. */
class ValidationSplitTest {
    private final SparkSession spark = TestSpark.get();

    @TempDir
    Path tmp;

    @Test
    void holdsOutTheSameTrainingImagesEveryRunAndNeverReadsTheTestSplit() throws Exception {
        SyntheticCifar.writeDirectory(tmp.resolve("data"), 200); // 200 airplane/bird training images, 40 test
        TrainingJob.Plan whole = plan("0");
        TrainingJob.Plan held = plan("0.25");

        Set<String> all = records(whole.train());
        Set<String> trained = records(held.train());
        Set<String> scored = records(held.test());
        assertEquals(200, all.size());
        assertEquals(200, trained.size() + scored.size(), "every training record on one side");
        assertTrue(all.containsAll(trained) && all.containsAll(scored), "scored records come from the training split only");
        assertTrue(images(held.train()).stream().noneMatch(images(held.test())::contains),
                "no image both trained on and scored, not even as a copy in another record");
        assertTrue(scored.size() >= 30 && scored.size() <= 70, "about a quarter held out: " + scored.size());
        assertEquals(scored.size(), held.testImages());
        assertEquals(List.of("validation"), held.test().select("split").distinct().as(
                org.apache.spark.sql.Encoders.STRING()).collectAsList());
        assertEquals("validation", held.scoredSplit(config("0.25")));
        assertEquals("test", whole.scoredSplit(config("0")));

        assertEquals(scored, records(plan("0.25").test()), "the same images on another run");
        Set<String> more = records(plan("0.5").test());
        assertTrue(more.containsAll(scored), "a larger fraction holds out a superset");
    }

    private TrainingJob.Plan plan(String fraction) {
        return new TrainingJob(spark, config(fraction)).plan();
    }

    private TrainConfig config(String fraction) {
        return TrainConfig.parse(List.of("--data", tmp.resolve("data").toString(), "--output",
                tmp.resolve("out").toString(), "--run-id", "v", "--validation-fraction", fraction));
    }

    private static Set<String> records(Dataset<Row> rows) {
        return rows.select(col("source_file"), col("record_index")).collectAsList().stream()
                .map(r -> r.getString(0) + "#" + r.getInt(1)).collect(Collectors.toSet());
    }

    private static Set<String> images(Dataset<Row> rows) {
        return rows.select(col("image")).collectAsList().stream().map(r -> HexFormat.of().formatHex(r.getAs(0)))
                .collect(Collectors.toCollection(HashSet::new));
    }
}
