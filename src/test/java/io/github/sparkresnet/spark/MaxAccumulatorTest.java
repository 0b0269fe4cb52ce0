package io.github.sparkresnet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

class MaxAccumulatorTest {
    @Test
    void keepsTheLargestValueAnyTaskReported() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext());
        MaxAccumulator max = new MaxAccumulator();
        jsc.sc().register(max, "test max");
        assertEquals(-1L, max.value(), "nothing reported yet");
        jsc.parallelize(List.of(5L, 99L, 3L, 42L), 4).foreach(max::add);
        assertEquals(99L, max.value());
        max.reset();
        jsc.parallelize(List.of(7L, 2L), 2).foreach(max::add);
        assertEquals(7L, max.value(), "reset starts a new maximum");
    }
}
