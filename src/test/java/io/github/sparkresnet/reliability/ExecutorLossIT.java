package io.github.sparkresnet.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.submit.ScriptRun;
import io.github.sparkresnet.submit.StandaloneCluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One of two executors is killed (SIGKILL) in the middle of epoch 1 on a real standalone cluster. Half
 * of the averaged state (the all-reduce's slices) dies with it, so the epoch starts again from the
 * driver's network (the Worker starts a replacement executor meanwhile), and the run finishes with
 * every epoch's metrics present and sane, each image counted exactly once.
 */
class ExecutorLossIT {
    @TempDir
    Path dir;

    @Test
    void aKilledExecutorsWorkIsRedoneAndEveryEpochIsRecorded() throws Exception {
        String data = RealCifar.dir().toString();
        Path out = dir.resolve("out");
        try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, 1, "3g")) {
            ScriptRun.Running run = ScriptRun.start(StandaloneCluster.SUBMIT_ENV, "submit/standalone.sh",
                    cluster.submitArgs(2, "train", "--data", data, "--output", out.toString(), "--run-id", "lost", "--epochs", "2",
                    "--limit-train", "384", "--limit-test", "100", "--batch-size-per-worker", "32",
                    "--averaging-frequency", "2", "--progress-seconds", "2"));
            // the first progress line comes after round 1 of 3: kill during round 2
            run.awaitOutput(o -> o.contains("epoch 1/2: ") && o.contains(" images ("), Duration.ofMinutes(8),
                    "progress in epoch 1");
            List<ProcessHandle> executors = cluster.executors();
            assertEquals(2, executors.size(), "two executors running");
            executors.get(0).destroyForcibly();

            ScriptRun done = run.await(Duration.ofMinutes(15));
            assertEquals(0, done.exitCode(), done.output());
            assertTrue(done.output().contains("Lost executor"), "Spark saw the executor go:\n" + done.output());
            assertTrue(done.output().contains("epoch 1: ") && done.output().contains("starting the epoch again"),
                    "the lost slices made epoch 1 start again:\n" + done.output());

            List<Row> rows = LocalRun.rows(out, "lost");
            assertEquals(2, rows.size(), done.output());
            for (Row r : rows) {
                assertEquals(384L, (long) r.getAs("train_images"), "lost work redone, never counted twice");
                assertEquals(100L, (long) r.getAs("val_images"));
                double acc = r.getAs("val_accuracy");
                double loss = r.getAs("train_loss");
                assertTrue(acc >= 0 && acc <= 1 && loss > 0 && loss < 20, acc + " " + loss);
            }
            assertTrue(cluster.executorLogs().size() >= 3, "the Worker started a replacement executor: "
                    + cluster.executorLogs());
        }
    }
}
