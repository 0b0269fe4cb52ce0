package io.github.sparkresnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

class OutOfMemoryTest {
    @Test
    void findsTheErrorOnTheDriverAndInAnExecutorFailureText() {
        assertEquals("Java heap space",
                OutOfMemory.findIn(new RuntimeException("fit failed", new OutOfMemoryError("Java heap space"))));
        assertEquals("Physical memory usage is too high: physicalBytes (13G) > maxPhysicalBytes (12G)",
                OutOfMemory.findIn(new SparkException("Job aborted due to stage failure: Task 0 in stage 16.0 failed 4 "
                        + "times, most recent failure: Lost task 0.3 (TID 22) (host executor 1): "
                        + "java.lang.OutOfMemoryError: Physical memory usage is too high: physicalBytes (13G) > "
                        + "maxPhysicalBytes (12G)\n\tat org.bytedeco.javacpp.Pointer.deallocator(Pointer.java:733)")));
        assertNull(OutOfMemory.findIn(new IllegalStateException("something else")));
    }
}
