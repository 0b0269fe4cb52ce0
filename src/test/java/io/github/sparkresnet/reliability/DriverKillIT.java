package io.github.sparkresnet.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.submit.ScriptRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver is killed (SIGKILL, no shutdown hooks) in the middle of epoch 2 of 3; {@code --resume}
 * finishes the run: exactly one metrics row per epoch, nothing half-written left behind, and the final
 * model loads and scores the test split as its last metrics row says.
 */
class DriverKillIT {
    @TempDir
    Path out;

    @Test
    void aRunKilledAfterEpochOneResumesToExactlyOneRowPerEpoch() throws Exception {
        String data = RealCifar.dir().toString();
        ScriptRun.Running first = LocalRun.start(data, out, "k", 3);
        first.awaitOutput(o -> o.contains("epoch 1/3: train_loss="), Duration.ofMinutes(5), "epoch 1's summary");
        first.awaitOutput(o -> o.contains("epoch 2/3: "), Duration.ofMinutes(2), "progress in epoch 2");
        first.kill();
        String killed = first.output();
        assertFalse(killed.contains("epoch 2/3: train_loss="), "killed in the middle of epoch 2:\n" + killed);
        assertEquals(1, LocalRun.rows(out, "k").size());

        ScriptRun resumed = LocalRun.start(data, out, "k", 3, "--resume").await(Duration.ofMinutes(10));
        assertEquals(0, resumed.exitCode(), resumed.output());
        assertTrue(resumed.output().contains("resuming run k after epoch 1"), resumed.output());

        List<Row> rows = LocalRun.rows(out, "k");
        assertEquals(List.of(1, 2, 3), rows.stream().map(r -> (int) r.getAs("epoch")).collect(Collectors.toList()));
        for (Row r : rows) {
            assertEquals(192L, (long) r.getAs("train_images"), "each epoch fitted every image once");
        }
        try (Stream<Path> files = Files.walk(out)) {
            List<Path> leftovers = files.filter(p -> p.getFileName().toString().endsWith(".tmp")
                    || p.toString().contains("_staging/k")).collect(Collectors.toList());
            assertTrue(leftovers.isEmpty(), "half-written files left behind: " + leftovers);
        }

        // The final model scores the test split exactly as its last metrics row says.
        RecordedScore.assertScoresAsRecorded(out.resolve("model/k/final.zip"), data, 64, rows.get(2));
    }
}
