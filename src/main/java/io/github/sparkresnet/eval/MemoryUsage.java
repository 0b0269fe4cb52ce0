package io.github.sparkresnet.eval;

/**
 * Memory at the end of an epoch, for the metrics row: the driver's resident and ND4J off-heap bytes,
 * and the largest of each any executor reported while training the epoch (in local mode the driver
 * is the executor). A long run whose numbers climb epoch after epoch is leaking.
 */
public record MemoryUsage(long driverResidentBytes, long driverOffHeapBytes, long executorResidentBytes,
                          long executorOffHeapBytes) {

    /** Not measured (e.g. {@code evaluate} of a saved model): every field -1. */
    public static final MemoryUsage UNKNOWN = new MemoryUsage(-1, -1, -1, -1);
}
