package io.github.sparkresnet.spark;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import org.bytedeco.javacpp.Pointer;

/**
 * What this JVM holds: its resident memory (heap, off-heap and native together; what
 * {@code org.bytedeco.javacpp.maxphysicalbytes} and a container's limit count), and the part of it
 * outside the JVM's own committed heap and non-heap memory: ND4J's arrays, oneDNN's scratch, Netty,
 * malloc.
 *
 * <p>Why not JavaCPP's {@code Pointer.totalBytes()}: ND4J 1.0.0-M2.1 allocates CPU arrays natively,
 * past JavaCPP's accounting (measured: 800 MB of arrays, totalBytes 0, {@code maxbytes=600m} not
 * enforced), so the off-heap part is resident memory minus what the JVM committed.
 */
public record ProcessMemory(long residentBytes, long offHeapBytes) {
    private static final MemoryMXBean JVM = ManagementFactory.getMemoryMXBean();

    /**
     * Memory still held after a full collection: ND4J frees an array's native memory only once the GC
     * has collected its Java object, so without one the numbers swing by a gigabyte with GC timing
     * (every averaging round leaves ~255 MB of dead parameter copies per worker). Costs one full GC.
     */
    public static ProcessMemory retained() {
        System.gc();
        try {
            Thread.sleep(300); // ND4J's deallocator thread frees what the GC enqueued
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return now();
    }

    /** Memory held right now, garbage included: for peaks. */
    public static ProcessMemory now() {
        long resident = Pointer.physicalBytes();
        long jvm = JVM.getHeapMemoryUsage().getCommitted() + JVM.getNonHeapMemoryUsage().getCommitted();
        return new ProcessMemory(resident, Math.max(0, resident - jvm));
    }
}
