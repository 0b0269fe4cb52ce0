package io.github.sparkresnet.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.sparkresnet.cli.Main;
import io.github.sparkresnet.data.Minibatches;
import io.github.sparkresnet.data.Normalization;
import io.github.sparkresnet.eval.EvalResult;
import io.github.sparkresnet.eval.Evaluator;
import io.github.sparkresnet.eval.TestTimeAugmentation;
import io.github.sparkresnet.spark.TestSpark;
import io.github.sparkresnet.train.TrainingJob;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.DataSet;

/** Checks that a saved model scores the airplane/bird test split as its metrics row says. */
final class RecordedScore {
    private RecordedScore() {
    }

    /** {@code model} scored on the first {@code limitTest} test images of {@code data}, as the run scored (its val_tta). */
    static void assertScoresAsRecorded(Path model, String data, int limitTest, Row row) throws Exception {
        ComputationGraph net = ModelSerializer.restoreComputationGraph(model.toFile(), false);
        TrainingJob job = new TrainingJob(TestSpark.get(), Main.trainConfig("--data", data, "--output",
                java.nio.file.Files.createTempDirectory("scoring").toString(), "--limit-test", Integer.toString(limitTest)));
        List<DataSet> test = Minibatches.inFixedOrder(job.plan().test(), 64, Normalization.HALF).collect();
        TestTimeAugmentation tta = TestTimeAugmentation.named(row.getAs("val_tta"));
        EvalResult eval = Evaluator.evaluate(net, test, List.of("airplane", "bird"), tta);
        assertEquals(limitTest, eval.examples());
        assertEquals((double) row.getAs("val_accuracy"), eval.accuracy(), 1.0 / limitTest + 1e-9,
                "within one image of the recorded accuracy (thread counts may differ between JVMs)");
        assertEquals((double) row.getAs("val_loss"), eval.meanLoss(), 1e-3);
    }
}
