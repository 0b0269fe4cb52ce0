package io.github.sparkresnet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

class ExtremumAccumulatorTest {
    @Test
    void keepsTheLargestOrSmallestValueAnyTaskReported() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext());
        ExtremumAccumulator max = ExtremumAccumulator.max();
        ExtremumAccumulator min = ExtremumAccumulator.min();
        jsc.sc().register(max, "test max");
        jsc.sc().register(min, "test min");
        assertEquals(-1L, max.value(), "nothing reported yet");
        assertEquals(-1L, min.value(), "nothing reported yet");
        // one task reports nothing: its empty copy must not pull the minimum down to a default
        jsc.parallelize(List.of(50L, 99L, 30L, 42L, 17L), 6).foreach(v -> {
            max.add(v);
            min.add(v);
        });
        assertEquals(99L, max.value());
        assertEquals(17L, min.value());
        max.reset();
        min.reset();
        jsc.parallelize(List.of(7L, 2L), 2).foreach(v -> {
            max.add(v);
            min.add(v);
        });
        assertEquals(7L, max.value(), "reset starts a new maximum");
        assertEquals(2L, min.value(), "reset starts a new minimum");
    }
}
