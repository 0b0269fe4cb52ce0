package io.github.sparkresnet.averaging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.sparkresnet.spark.TestSpark;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Rounds hand worker w of round r exactly minibatches (r*W + w)*f onwards, each minibatch once. */
class RoundsTest {
    private final JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext());

    @Test
    void everyMinibatchOnceInOrderWithTheLastRoundPartial() {
        int total = 13;
        int workers = 2;
        int frequency = 3;
        // minibatch k is marked by its one feature value k, in one partition as the epoch produces them
        JavaRDD<DataSet> minibatches = jsc.parallelize(IntStream.range(0, total).boxed().collect(Collectors.toList()), 1)
                .map(k -> new DataSet(Nd4j.scalar((float) k).reshape(1, 1), Nd4j.zeros(1, 2)));
        try (Rounds rounds = new Rounds(minibatches, total, workers, frequency, StorageLevel.MEMORY_ONLY())) {
            assertEquals(3, rounds.count());
            List<List<List<Integer>>> seen = new ArrayList<>();
            for (int r = 0; r < rounds.count(); r++) {
                JavaRDD<DataSet> round = rounds.round(r);
                assertEquals(workers, round.getNumPartitions(), "one partition per worker, every round");
                seen.add(round.glom().map(p -> p.stream().map(d -> (int) d.getFeatures().getFloat(0))
                        .collect(Collectors.toList())).collect());
            }
            assertEquals(List.of(
                    List.of(List.of(0, 1, 2), List.of(3, 4, 5)),
                    List.of(List.of(6, 7, 8), List.of(9, 10, 11)),
                    List.of(List.of(12), List.of())), seen);
        }
    }
}
