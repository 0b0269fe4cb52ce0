package io.github.sparkresnet.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.cli.Main;
import io.github.sparkresnet.data.Minibatches;
import io.github.sparkresnet.data.Normalization;
import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.eval.EvalResult;
import io.github.sparkresnet.eval.Evaluator;
import io.github.sparkresnet.eval.TestTimeAugmentation;
import io.github.sparkresnet.spark.TestSpark;
import io.github.sparkresnet.submit.ScriptRun;
import io.github.sparkresnet.train.TrainingJob;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

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
        ComputationGraph net = ModelSerializer.restoreComputationGraph(out.resolve("model/k/final.zip").toFile(), false);
        TrainingJob job = new TrainingJob(TestSpark.get(), Main.trainConfig("--data", data, "--output",
                out.resolve("scoring").toString(), "--limit-train", "192", "--limit-test", "64"));
        List<DataSet> test = Minibatches.inOrder(job.plan().test(), 64, Normalization.HALF).collect();
        Row last = rows.get(2);
        // scored as the run scored it (the default --tta flip: each image with its mirror)
        TestTimeAugmentation tta = TestTimeAugmentation.named(last.getAs("val_tta"));
        EvalResult eval = Evaluator.evaluate(net, test, List.of("airplane", "bird"), tta);
        assertEquals(64, eval.examples());
        assertEquals((double) last.getAs("val_accuracy"), eval.accuracy(), 1.0 / 64 + 1e-9,
                "within one image of the recorded accuracy (thread counts may differ between the JVMs)");
        assertEquals((double) last.getAs("val_loss"), eval.meanLoss(), 1e-3);
    }
}
