package io.github.sparkresnet.averaging;

import io.github.sparkresnet.eval.MemoryUsage;
import io.github.sparkresnet.spark.MaxAccumulator;
import io.github.sparkresnet.spark.ProcessMemory;
import java.io.Serializable;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The executors' memory per epoch, two ways. ND4J frees native memory only when the GC collects its
 * Java objects, so what a process holds at any moment includes whatever garbage (with
 * {@code --averaging driver}, earlier rounds' networks, ~255 MB each) the last collection left:
 * <ul>
 *   <li>the peak: the highest sample the workers take after every minibatch fit, at the end of
 *       every all-reduce task and before the retained measurement's GC, what containers must hold;
 *       it moves by several hundred MB between epochs with GC timing;</li>
 *   <li>retained: after the epoch, each executor measures itself after a full GC (one short task per
 *       worker slot); a leak lifts it, GC timing does not.</li>
 * </ul>
 */
public final class ExecutorMemory implements Serializable {
    private final MaxAccumulator residentPeak = new MaxAccumulator();
    private final MaxAccumulator offHeapPeak = new MaxAccumulator();
    private final MaxAccumulator residentRetained = new MaxAccumulator();
    private final MaxAccumulator offHeapRetained = new MaxAccumulator();

    /** Registers the accumulators with the driver's context (before any task uses them). */
    public ExecutorMemory register(SparkContext sc) {
        sc.register(residentPeak, "executor resident bytes (peak)");
        sc.register(offHeapPeak, "executor off-heap bytes (peak)");
        sc.register(residentRetained, "executor resident bytes (retained)");
        sc.register(offHeapRetained, "executor off-heap bytes (retained)");
        return this;
    }

    /** On the driver, before an epoch. */
    public void reset() {
        residentPeak.reset();
        offHeapPeak.reset();
        residentRetained.reset();
        offHeapRetained.reset();
    }

    /** On a worker, after a minibatch fit or an all-reduce task. */
    void recordPeak(ProcessMemory sample) {
        residentPeak.add(sample.residentBytes());
        offHeapPeak.add(sample.offHeapBytes());
    }

    /**
     * On the driver, after an epoch's training: one task per worker slot, each measuring its executor
     * after a full GC (Spark spreads them over the executors as it did the training tasks). In local
     * mode that is the driver's own process. The sample just before that GC is one more peak sample.
     */
    public void measureRetained(JavaSparkContext jsc, int slots) {
        List<Integer> tasks = IntStream.range(0, slots).boxed().collect(Collectors.toList());
        jsc.parallelize(tasks, slots).foreach(task -> {
            // What the process holds just before the GC counts towards the peak: in local mode the
            // driver's gather of the epoch's state happened in this process after the workers' last
            // sample, and a container has to hold that too.
            recordPeak(ProcessMemory.now());
            ProcessMemory retained = ProcessMemory.retained();
            residentRetained.add(retained.residentBytes());
            offHeapRetained.add(retained.offHeapBytes());
        });
    }

    /** On the driver, after an epoch: the metrics row's memory columns (-1 where not measured). */
    public MemoryUsage usage(ProcessMemory driverRetained) {
        return new MemoryUsage(driverRetained.residentBytes(), driverRetained.offHeapBytes(),
                residentPeak.value(), offHeapPeak.value(), residentRetained.value(), offHeapRetained.value());
    }
}
