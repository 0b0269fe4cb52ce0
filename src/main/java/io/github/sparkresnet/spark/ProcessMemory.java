package io.github.sparkresnet.spark;

import org.bytedeco.javacpp.Pointer;

/**
 * What this JVM holds, as the limits in conf/spark-defaults.conf count it: resident memory (heap,
 * off-heap and native together; what {@code maxphysicalbytes} and a container's limit cap) and the
 * off-heap bytes JavaCPP tracks for ND4J's buffers (what {@code maxbytes} caps).
 */
public record ProcessMemory(long residentBytes, long offHeapBytes) {

    public static ProcessMemory now() {
        return new ProcessMemory(Pointer.physicalBytes(), Pointer.totalBytes());
    }
}
