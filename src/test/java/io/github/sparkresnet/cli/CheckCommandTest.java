package io.github.sparkresnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.eval.EpochMetrics;
import io.github.sparkresnet.eval.EvalResult;
import io.github.sparkresnet.eval.MemoryUsage;
import io.github.sparkresnet.eval.MetricsTable;
import io.github.sparkresnet.eval.TestTimeAugmentation;
import io.github.sparkresnet.spark.TestSpark;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.evaluation.classification.ROC;
import org.nd4j.linalg.factory.Nd4j;

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
    static EpochMetrics row(int epoch, int correct) {
        return row("r", epoch, correct);
    }

    static EpochMetrics row(String runId, int epoch, int correct) {
        float[][] labels = {{1, 0}, {0, 1}, {1, 0}, {0, 1}};
        float[][] predicted = new float[4][];
        for (int i = 0; i < 4; i++) {
            boolean right = i < correct;
            int truth = labels[i][0] == 1 ? 0 : 1;
            int guess = right ? truth : 1 - truth;
            predicted[i] = guess == 0 ? new float[] {0.9f, 0.1f} : new float[] {0.1f, 0.9f};
        }
        Evaluation e = new Evaluation(List.of("airplane", "bird"));
        ROC roc = new ROC(0);
        e.eval(Nd4j.createFromArray(labels), Nd4j.createFromArray(predicted));
        roc.eval(Nd4j.createFromArray(labels), Nd4j.createFromArray(predicted));
        EvalResult eval = new EvalResult(e, roc, 0.5, 4, 0.1, List.of("airplane", "bird"),
                TestTimeAugmentation.NONE);
        return new EpochMetrics(runId, epoch, Instant.now(), Instant.now(), eval, new EpochMetrics.Training(0.4, 8, 1.0, 1, 1, 1),
                new EpochMetrics.Settings(1e-3, 2, 4, 1, 42), Map.of("spark", "test"), MemoryUsage.UNKNOWN);
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
