package io.github.sparkresnet.averaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * Rounds hand worker w of round r exactly minibatches (r*W + w)*f onwards, each minibatch once; with
 * fewer workers, or rounds put back (a failed one, or those since a recovery point), still each
 * minibatch once, in line.
 */
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
                Rounds.Round round = rounds.next(workers);
                assertEquals(workers, round.minibatches().getNumPartitions(), "one partition per worker, every round");
                assertEquals((double) r / rounds.count(), round.position(), "the schedule's place: r / rounds");
                seen.add(marks(round));
            }
            assertTrue(rounds.done());
            assertEquals(List.of(
                    List.of(List.of(0, 1, 2), List.of(3, 4, 5)),
                    List.of(List.of(6, 7, 8), List.of(9, 10, 11)),
                    List.of(List.of(12), List.of())), seen);
        }
    }

    @Test
    void fewerWorkersAndARoundPutBackStillFitEveryMinibatchOnceInLine() {
        int total = 13;
        JavaRDD<DataSet> minibatches = jsc.parallelize(IntStream.range(0, total).boxed().collect(Collectors.toList()), 1)
                .map(k -> new DataSet(Nd4j.scalar((float) k).reshape(1, 1), Nd4j.zeros(1, 2)));
        try (Rounds rounds = new Rounds(minibatches, total, 2, 3, StorageLevel.MEMORY_ONLY())) {
            Rounds.Round first = rounds.next(2);
            assertEquals(List.of(List.of(0, 1, 2), List.of(3, 4, 5)), marks(first));
            Rounds.Round failed = rounds.next(2);
            assertEquals(1.0 / 3, failed.position(), "two of six partitions handed out before it");
            rounds.putBack(failed); // an executor lost: nothing of it counts
            Rounds.Round single = rounds.next(1); // one worker left
            assertEquals(List.of(List.of(6, 7, 8)), marks(single));
            assertEquals(1.0 / 3, single.position(), "the failed round never happened");
            Rounds.Round next = rounds.next(1);
            assertEquals(List.of(List.of(9, 10, 11)), marks(next));
            assertEquals(0.5, next.position());
            Rounds.Round back = rounds.next(2); // a replacement joined
            assertEquals(List.of(List.of(12), List.of()), marks(back));
            assertTrue(rounds.done());
            // the state lost: back to the recovery point after the first round, the rounds since put
            // back last first, as the epoch's loop does; they come out again in line
            for (Rounds.Round undone : List.of(back, next, single)) {
                rounds.putBack(undone);
            }
            Rounds.Round again = rounds.next(2);
            assertEquals(List.of(List.of(6, 7, 8), List.of(9, 10, 11)), marks(again), "fitted again from round 1's state");
            assertEquals(1.0 / 3, again.position());
            assertEquals(List.of(List.of(12), List.of()), marks(rounds.next(2)));
            assertTrue(rounds.done());
            rounds.putBack(first);
            assertEquals(List.of(List.of(0, 1, 2), List.of(3, 4, 5)), marks(rounds.next(2)), "and back to the epoch's start");
        }
    }

    /** The minibatches of each of a round's partitions, by their marks. */
    private static List<List<Integer>> marks(Rounds.Round round) {
        return round.minibatches().glom().map(p -> p.stream().map(d -> (int) d.getFeatures().getFloat(0))
                .collect(Collectors.toList())).collect();
    }
}
