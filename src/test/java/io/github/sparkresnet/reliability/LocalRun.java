package io.github.sparkresnet.reliability;

import io.github.sparkresnet.eval.MetricsTable;
import io.github.sparkresnet.spark.TestSpark;
import io.github.sparkresnet.submit.ScriptRun;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/** The job as users start it on one machine: submit/run-local.sh in its own JVM, small heap and off-heap. */
final class LocalRun {
    static final Map<String, String> SMALL_JVM = Map.of("DRIVER_MEMORY_GB", "4", "OFFHEAP_GB", "4");

    private LocalRun() {
    }

    /** {@code train} on a small airplane/bird subset of the real data, plus {@code extra} options. */
    static ScriptRun.Running start(String data, Path out, String runId, int epochs, String... extra) throws IOException {
        return start(Map.of(), data, out, runId, epochs, extra);
    }

    /** The same with extra environment for run-local.sh (e.g. JAVA_OPTS). */
    static ScriptRun.Running start(Map<String, String> env, String data, Path out, String runId, int epochs,
                                   String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("train", "--data", data, "--output", out.toString(),
                "--run-id", runId, "--epochs", Integer.toString(epochs), "--master", "local[2]",
                "--limit-train", "192", "--limit-test", "64", "--batch-size-per-worker", "16",
                "--averaging-frequency", "3", "--progress-seconds", "2"));
        args.addAll(List.of(extra));
        Map<String, String> all = new java.util.HashMap<>(SMALL_JVM);
        all.putAll(env);
        return ScriptRun.start(all, "submit/run-local.sh", args.toArray(new String[0]));
    }

    /** The run's metrics rows, by epoch. */
    static List<Row> rows(Path out, String runId) {
        return new MetricsTable(TestSpark.get(), out.toString()).rows(runId);
    }
}
