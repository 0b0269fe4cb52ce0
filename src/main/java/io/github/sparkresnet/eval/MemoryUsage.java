package io.github.sparkresnet.eval;

/**
 * Memory per epoch, for the metrics row ({@link io.github.sparkresnet.spark.ProcessMemory}): what the
 * driver still holds at the end of the epoch after a full GC (a long run whose retained memory climbs
 * is leaking); the peak any executor reported after a minibatch while training the epoch (what
 * containers must be sized for); and what the executors retain after a full GC at the epoch's end
 * (the largest of them). In local mode the driver is the executor.
 */
public record MemoryUsage(long driverResidentBytes, long driverOffHeapBytes, long executorResidentBytes,
                          long executorOffHeapBytes, long executorResidentRetainedBytes,
                          long executorOffHeapRetainedBytes) {

    /** Not measured (e.g. {@code evaluate} of a saved model): every field -1. */
    public static final MemoryUsage UNKNOWN = new MemoryUsage(-1, -1, -1, -1, -1, -1);
}
