package io.github.sparkresnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

class OutOfMemoryMessageTest {
    @Test
    void findsTheErrorOnTheDriverAndInAnExecutorFailureText() {
        assertEquals("Java heap space",
                Main.outOfMemory(new RuntimeException("fit failed", new OutOfMemoryError("Java heap space"))));
        assertEquals("Physical memory usage is too high: physicalBytes (13G) > maxPhysicalBytes (12G)",
                Main.outOfMemory(new SparkException("Job aborted due to stage failure: Task 0 in stage 16.0 failed 4 "
                        + "times, most recent failure: Lost task 0.3 (TID 22) (host executor 1): "
                        + "java.lang.OutOfMemoryError: Physical memory usage is too high: physicalBytes (13G) > "
                        + "maxPhysicalBytes (12G)\n\tat org.bytedeco.javacpp.Pointer.deallocator(Pointer.java:733)")));
        assertNull(Main.outOfMemory(new IllegalStateException("something else")));
    }
}
