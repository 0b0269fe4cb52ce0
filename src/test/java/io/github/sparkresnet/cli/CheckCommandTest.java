package io.github.sparkresnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.eval.EpochMetrics;
import io.github.sparkresnet.eval.MetricsRows;
import io.github.sparkresnet.eval.MetricsTable;
import io.github.sparkresnet.spark.TestSpark;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code check}: the scheduler's quality gate reads real metrics rows and exits 0, 3 or 2. */
class CheckCommandTest {
    @TempDir
    static Path out;

    @BeforeAll
    static void twoEpochsAtHalfThenThreeQuarters() {
        MetricsTable table = new MetricsTable(TestSpark.get(), out.toString());
        table.write(row(1, 2)); // 2 of 4 right
        table.write(row(2, 3)); // 3 of 4 right
    }

    /** Epoch {@code epoch} of run "r" with {@code correct} of 4 test images classified right. */
    private static EpochMetrics row(int epoch, int correct) {
        return MetricsRows.row("r", epoch, correct);
    }

    private static CommandLineRunner check(String... extra) {
        List<String> args = new java.util.ArrayList<>(
                List.of("check", "--output", out.toString(), "--run-id", "r", "--master", "local[1]"));
        args.addAll(List.of(extra));
        return CommandLineRunner.run(args.toArray(new String[0]));
    }

    @Test
    void passesAtOrAboveTheThresholdOfTheLastEpoch() {
        CommandLineRunner r = check("--min-accuracy", "0.75", "--epochs", "2");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("run r: PASS val_accuracy 0.7500 after epoch 2"), r.out());
    }

    @Test
    void failsBelowTheThreshold() {
        CommandLineRunner r = check("--min-accuracy", "0.8");
        assertEquals(CheckCommand.EXIT_BELOW_THRESHOLD, r.exitCode());
        assertTrue(r.out().contains("FAIL val_accuracy 0.7500 after epoch 2 (threshold 0.8000)"), r.out());
    }

    @Test
    void failsWhenEpochsAreMissing() {
        CommandLineRunner r = check("--min-accuracy", "0.5", "--epochs", "3");
        assertEquals(CheckCommand.EXIT_BELOW_THRESHOLD, r.exitCode());
        assertTrue(r.out().contains("has 2 epoch rows up to epoch 2, expected epochs 1..3"), r.out());
    }

    @Test
    void aRunWithoutMetricsIsBadInput() {
        CommandLineRunner r = CommandLineRunner.run("check", "--output", out.toString(), "--run-id", "nope",
                "--min-accuracy", "0.5", "--master", "local[1]");
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertTrue(r.err().contains("--run-id nope: no metrics under"), r.err());
    }
}
