package io.github.sparkresnet.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.submit.ScriptRun;
import io.github.sparkresnet.submit.StandaloneCluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graceful decommissioning on a real standalone cluster (two 1-core Workers, one executor each):
 * mid-epoch, one executor's Worker gets SIGPWR, as an operator or a cloud's preemption notice sends
 * it. Spark decommissions the executor, which finishes its running task and leaves; the job notices
 * at the next round boundary, trains on without that worker and reads the averaged state from the
 * copies on the other executor, so no round is fitted again and no epoch started again. (A standalone
 * Master does not replace a decommissioned executor unless dynamic allocation asks it to; where one
 * comes, it joins as in {@code ExecutorChaosIT}.)
 */
class DecommissionIT {
    private static final int IMAGES = 256;

    @TempDir
    static Path dir;
    private static StandaloneCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, 1, "3g",
                Map.of("spark.decommission.enabled", "true"));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aDecommissionedExecutorsWorkerLeavesAtARoundBoundaryWithNoRoundRedone() throws Exception {
        Path out = dir.resolve("out");
        ScriptRun.Running running = ScriptRun.start(StandaloneCluster.SUBMIT_ENV, "submit/standalone.sh",
                cluster.submitArgs(2, "--conf", "spark.decommission.enabled=true",
                        "train", "--data", RealCifar.dir().toString(), "--output", out.toString(), "--run-id", "decom",
                        "--epochs", "2", "--limit-train", Integer.toString(IMAGES), "--limit-test", "100",
                        "--batch-size-per-worker", "32", "--averaging-frequency", "1", "--progress-seconds", "2"));
        // Past the first round, which is long (the replicas are built) and leaves an executor idle long
        // enough for a decommissioned one to exit inside it; later rounds keep both busy.
        running.awaitOutput(o -> o.matches("(?s).*epoch 1/2: \\d+/\\d+ images \\(\\d+%\\), round [23],.*"),
                Duration.ofMinutes(8), "epoch 1 past its first round");
        ProcessHandle executor = cluster.executors().get(0);
        ProcessHandle worker = executor.parent().orElseThrow();
        Process signal = new ProcessBuilder("kill", "-PWR", Long.toString(worker.pid())).inheritIO().start();
        assertTrue(signal.waitFor(10, TimeUnit.SECONDS) && signal.exitValue() == 0, "SIGPWR sent to the Worker");
        ScriptRun run = running.await(Duration.ofMinutes(15));
        String output = run.output();
        output.lines().filter(l -> l.contains("executor ") && (l.contains("decommission") || l.contains(" joined:")
                || l.contains(" lost ") || l.contains(" left "))).forEach(l -> System.out.println("decommission event: " + l));

        assertEquals(0, run.exitCode(), output);
        assertFalse(executor.isAlive(), "the decommissioned executor left");
        assertTrue(output.matches("(?s).*executor \\d+ is being decommissioned: 1 of 2 workers from round \\d+ of epoch 1.*"),
                "the job noticed the decommission at a round boundary:\n" + output);
        assertFalse(output.contains("lost in round"), "no round was lost:\n" + output);
        assertFalse(output.contains("fitting it again"), "no round was fitted again:\n" + output);
        assertFalse(output.contains("starting the epoch again"), "no epoch started again:\n" + output);
        assertTrue(output.matches("(?s).*executor \\d+ left, decommissioned, after round \\d+ of epoch \\d.*"),
                "the job saw it leave:\n" + output);
        List<Row> rows = LocalRun.rows(out, "decom");
        assertEquals(2, rows.size(), output);
        for (Row r : rows) {
            assertEquals((long) IMAGES, (long) r.getAs("train_images"), "each image once");
        }
        assertEquals(1, (int) rows.get(0).getAs("workers_min"));
        assertEquals(2, (int) rows.get(0).getAs("workers_max"));
    }
}
