package io.github.sparkresnet.spark;

import io.github.sparkresnet.model.helpers.OneDnnHelpers;

import java.util.Properties;
import org.apache.spark.TaskContext;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** ND4J set-up that must be identical in every JVM that trains or evaluates. */
public final class Nd4jSetup {
    private static final Logger LOG = LoggerFactory.getLogger(Nd4jSetup.class);
    private static volatile String summary;

    private Nd4jSetup() {
    }

    /**
     * Loads the backend, turns the layer helpers on and logs one line saying what this JVM runs on.
     * Idempotent (logs once); returns that line.
     */
    public static synchronized String configure(String role) {
        if (summary != null) {
            return summary; // once per JVM: in local mode driver and executor share one
        }
        String helpers = OneDnnHelpers.enable();
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        // maxphysicalbytes is the limit that holds for ND4J M2.1 (docs/reliability.md: Memory)
        summary = String.format("ND4J backend %s, %s threads, device %s, process memory limit %s | %s",
                env.getProperty("backend", "?"),
                env.getOrDefault("omp.threads", "?"),
                env.getOrDefault("cuda.deviceName", env.getProperty("cpu.name", "CPU")),
                humanBytes(org.bytedeco.javacpp.Pointer.maxPhysicalBytes()),
                helpers);
        LOG.info("{}: {}", role, summary);
        return summary;
    }

    /**
     * In a Spark task: ND4J computes with as many threads as Spark gave the task CPUs
     * ({@code spark.task.cpus}, 1 by default). ND4J otherwise uses every core of the host in every
     * task, and an executor running one task per core oversubscribes its cores that many times
     * (measured on 2 cores, local[2]: 12-15% slower fits). Sets OpenMP's thread count for this thread
     * (oneDNN's parallel regions), ND4J's own pool and BLAS; a no-op outside a task.
     */
    public static void useTaskCpus() {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return;
        }
        useCpus(task.cpus());
    }

    /** Has ND4J compute with {@code taskCpus} threads in this thread, as {@link #useTaskCpus} does in a task. */
    public static void useCpus(int taskCpus) {
        int cpus = Math.max(1, taskCpus);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(cpus);
        if (Nd4j.getEnvironment().maxMasterThreads() != cpus) {
            Nd4j.getEnvironment().setMaxMasterThreads(cpus);
        }
        if (Nd4j.factory().blas().getMaxThreads() != cpus) {
            Nd4j.factory().blas().setMaxThreads(cpus);
        }
    }

    private static String humanBytes(long bytes) {
        return bytes <= 0 ? "none" : String.format("%.1f GB", bytes / 1e9);
    }
}
