package io.github.sparkresnet.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.cli.Main;
import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.submit.ScriptRun;
import io.github.sparkresnet.submit.StandaloneCluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run left without executors: on a real standalone cluster of one 1-core Worker, the Worker and its
 * executor are killed mid-epoch, so no replacement can come. The run waits {@code --worker-wait}
 * seconds for one, then stops with one error line and exit 6, nothing of the epoch written.
 */
class MinWorkersIT {
    @TempDir
    static Path dir;

    @Test
    void aRunWithFewerWorkersThanItsMinimumWaitsThenStopsWithOneErrorLine() throws Exception {
        Path out = dir.resolve("out");
        try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"), 1, 1, "3g")) {
            ScriptRun.Running running = ScriptRun.start(StandaloneCluster.SUBMIT_ENV, "submit/standalone.sh",
                    cluster.submitArgs(1, "train", "--data", RealCifar.dir().toString(), "--output", out.toString(),
                            "--run-id", "alone", "--epochs", "1", "--limit-train", "256", "--limit-test", "100",
                            "--batch-size-per-worker", "32", "--averaging-frequency", "1", "--progress-seconds", "2",
                            "--min-workers", "1", "--worker-wait", "5"));
            running.awaitOutput(o -> o.contains("epoch 1/") && o.contains(" images ("), Duration.ofMinutes(8),
                    "progress in epoch 1");
            ProcessHandle executor = cluster.executors().get(0);
            executor.parent().orElseThrow().destroyForcibly(); // the Worker first: it cannot start a replacement
            executor.destroyForcibly();
            ScriptRun run = running.await(Duration.ofMinutes(5));
            String output = run.output();
            assertEquals(Main.EXIT_EPOCH_LOST, run.exitCode(), output);
            assertTrue(output.contains("0 of 1 workers, fewer than --min-workers 1: waiting up to 5 s for executors"),
                    output);
            List<String> errors = output.lines().filter(l -> l.startsWith("error: ")).collect(Collectors.toList());
            assertEquals(1, errors.size(), output);
            assertTrue(errors.get(0).startsWith("error: run alone: epoch 1 had 0 of 1 workers for 5 s, fewer than "
                    + "--min-workers 1") && errors.get(0).contains("--resume"), errors.get(0));
            assertEquals(0, LocalRun.rows(out, "alone").size(), "nothing of the epoch was written");
        }
    }
}
