package io.github.sparkresnet.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.cli.Main;
import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.submit.ScriptRun;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose loss turns NaN stops at once with a clear message and exit code 4, writes nothing for
 * that epoch, and leaves the last good checkpoint as it was.
 */
class DivergenceIT {
    @TempDir
    Path out;

    @Test
    void aNanLossStopsTheRunAndKeepsTheLastGoodCheckpoint() throws Exception {
        String data = RealCifar.dir().toString();
        ScriptRun first = LocalRun.start(data, out, "nan", 1).await(Duration.ofMinutes(5));
        assertEquals(0, first.exitCode(), first.output());

        // Corrupt the optimizer state the way no checksum sees: finite, but a negative second moment
        // makes Adam's next step sqrt(v) = NaN. The parameters themselves are fine, so resume accepts it.
        Path checkpoint = out.resolve("checkpoints/nan/epoch-0001.zip");
        ComputationGraph net = ModelSerializer.restoreComputationGraph(checkpoint.toFile(), true);
        net.getUpdater().getStateViewArray().assign(-1);
        ModelSerializer.writeModel(net, checkpoint.toFile(), true);
        Files.deleteIfExists(out.resolve("checkpoints/nan/.epoch-0001.zip.crc")); // Hadoop's checksum of the old bytes
        byte[] poisoned = Files.readAllBytes(checkpoint);

        ScriptRun second = LocalRun.start(data, out, "nan", 3, "--resume").await(Duration.ofMinutes(5));
        assertEquals(Main.EXIT_DIVERGED, second.exitCode(), second.output());
        String error = second.output().lines().filter(l -> l.startsWith("error: ")).findFirst().orElse("");
        assertTrue(error.contains("run nan diverged: the training loss is NaN in epoch 2 (averaging round 1 of")
                && error.contains("the last good checkpoint is epoch 1 in"), second.output());
        assertFalse(second.output().contains("\tat "), "no stack trace:\n" + second.output());

        assertEquals(1, LocalRun.rows(out, "nan").size(), "nothing written for the diverged epoch");
        assertFalse(Files.exists(out.resolve("checkpoints/nan/epoch-0002.zip")));
        assertArrayEquals(poisoned, Files.readAllBytes(checkpoint), "the last checkpoint is untouched");
        File[] models = out.resolve("model/nan").toFile().listFiles((d, n) -> n.endsWith(".zip"));
        assertEquals(2, models.length, "best and final of epoch 1 only");
    }
}
