package io.github.sparkresnet.bench;

import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Which of JavaCPP's limits binds ND4J's CPU arrays: allocates two 400 MB arrays and prints JavaCPP's
 * tracked bytes and the process's resident bytes after each, under whatever
 * {@code -Dorg.bytedeco.javacpp.maxbytes} / {@code maxphysicalbytes} the JVM was given.
 */
public final class JavaCppLimitsProbe {
    private JavaCppLimitsProbe() {
    }

    public static void main(String[] args) {
        System.out.printf("limits: maxbytes=%d MB maxphysicalbytes=%d MB%n", Pointer.maxBytes() >> 20,
                Pointer.maxPhysicalBytes() >> 20);
        show("start");
        try {
            INDArray a = Nd4j.create(DataType.FLOAT, 100_000_000L).assign(1);
            show("after 400 MB");
            INDArray b = Nd4j.create(DataType.FLOAT, 100_000_000L).assign(1);
            show("after 800 MB");
            System.out.println("result: both allocated (" + (a.length() + b.length()) + " floats)");
        } catch (OutOfMemoryError e) {
            System.out.println("result: OutOfMemoryError: " + e.getMessage());
        }
    }

    private static void show(String when) {
        System.out.printf("%s: javacpp totalBytes=%d MB, physicalBytes=%d MB%n", when, Pointer.totalBytes() >> 20,
                Pointer.physicalBytes() >> 20);
    }
}
