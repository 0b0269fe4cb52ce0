package io.github.sparkresnet.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.cli.Main;
import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.submit.StandaloneCluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executors keep dying on a real standalone cluster (two 1-core Workers): a random one gets SIGKILL
 * every 40 s through a 3-epoch run, the first in the middle of epoch 1 ({@link ExecutorChaos}). Each
 * kill takes half of the averaged state (the all-reduce's slices) with it, so the epoch starts again
 * from the driver's network while the Worker starts a replacement; the run completes with one metrics
 * row per epoch, each image counted exactly once. The kills and the run's time are printed
 * (bench/chaos.sh measures their cost against an undisturbed run).
 */
class ExecutorChaosIT {
    private static final int EPOCHS = 3;
    private static final int IMAGES = 256;

    @TempDir
    static Path dir;
    private static StandaloneCluster cluster;
    private static String data;

    @BeforeAll
    static void start() throws Exception {
        data = RealCifar.dir().toString();
        cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, 1, "3g");
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static ExecutorChaos.Result train(Path out, String runId, Duration interval, String... submitOptions)
            throws Exception {
        return ExecutorChaos.run(cluster, 2, interval, 20, List.of(submitOptions), "--data", data, "--output",
                out.toString(), "--run-id", runId, "--epochs", Integer.toString(EPOCHS), "--limit-train",
                Integer.toString(IMAGES), "--limit-test", "100", "--batch-size-per-worker", "32",
                "--averaging-frequency", "2", "--progress-seconds", "2");
    }

    @Test
    void aRunWhoseExecutorsKeepDyingCompletesWithEveryEpochRecordedOnce() throws Exception {
        Path out = dir.resolve("out");
        ExecutorChaos.Result chaos = train(out, "chaos", Duration.ofSeconds(40));
        String output = chaos.run().output();
        System.out.printf("chaos: %d kills in %.0f s: %s%n", chaos.kills().size(), chaos.seconds(), chaos.kills());
        assertEquals(0, chaos.run().exitCode(), output);
        assertTrue(chaos.kills().size() >= 2, "executors were killed repeatedly: " + chaos.kills());
        assertTrue(output.contains("Lost executor"), "Spark saw the executors go:\n" + output);
        assertTrue(output.contains("epoch 1: ") && output.contains("starting the epoch again"),
                "the lost slices made epoch 1 start again:\n" + output);

        List<Row> rows = LocalRun.rows(out, "chaos");
        assertEquals(EPOCHS, rows.size(), output);
        for (Row r : rows) {
            assertEquals((long) IMAGES, (long) r.getAs("train_images"), "lost work redone, never counted twice");
            assertEquals(100L, (long) r.getAs("val_images"));
            double acc = r.getAs("val_accuracy");
            double loss = r.getAs("train_loss");
            assertTrue(acc >= 0 && acc <= 1 && loss > 0 && loss < 20, acc + " " + loss);
        }
        assertTrue(cluster.executorLogs().size() >= 2 + chaos.kills().size() - 1,
                "the Workers started replacement executors: " + cluster.executorLogs());
    }

    @Test
    void aRunThatCannotAbsorbTheLossStopsWithOneErrorLine() throws Exception {
        Path out = dir.resolve("out-strict");
        // one attempt per epoch: the first kill (mid-epoch 1) is one too many
        ExecutorChaos.Result strict = train(out, "strict", Duration.ofMinutes(10),
                "--conf", "spark.sparkresnet.epochAttempts=1");
        String output = strict.run().output();
        assertEquals(1, strict.kills().size(), strict.kills().toString());
        assertEquals(Main.EXIT_EPOCH_LOST, strict.run().exitCode(), output);
        List<String> errors = output.lines().filter(l -> l.startsWith("error: ")).collect(Collectors.toList());
        assertEquals(1, errors.size(), output);
        assertTrue(errors.get(0).startsWith("error: run strict: epoch 1 lost the workers' shared state in all 1 attempts")
                && errors.get(0).contains("--resume") && errors.get(0).contains("spark.sparkresnet.epochAttempts"), errors.get(0));
        assertEquals(0, LocalRun.rows(out, "strict").size(), "nothing of the epoch was written");
    }
}
