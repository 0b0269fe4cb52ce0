package io.github.sparkresnet.eval;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.factory.Nd4j;

/** Metrics rows for tests: real DL4J evaluations of four test images, of which a given number are right. */
public final class MetricsRows {
    private MetricsRows() {
    }

    /** Epoch {@code epoch} of run {@code runId} with {@code correct} of 4 test images classified right. */
    public static EpochMetrics row(String runId, int epoch, int correct) {
        return row(runId, epoch, correct, Instant.now(), Instant.now());
    }

    /** The same, the epoch from {@code start} to {@code end}. */
    public static EpochMetrics row(String runId, int epoch, int correct, Instant start, Instant end) {
        float[][] labels = {{1, 0}, {0, 1}, {1, 0}, {0, 1}};
        float[][] predicted = new float[4][];
        for (int i = 0; i < 4; i++) {
            boolean right = i < correct;
            int truth = labels[i][0] == 1 ? 0 : 1;
            int guess = right ? truth : 1 - truth;
            predicted[i] = guess == 0 ? new float[] {0.9f, 0.1f} : new float[] {0.1f, 0.9f};
        }
        Evaluation e = new Evaluation(List.of("airplane", "bird"));
        RankAuc auc = new RankAuc();
        e.eval(Nd4j.createFromArray(labels), Nd4j.createFromArray(predicted));
        auc.add(Nd4j.createFromArray(labels), Nd4j.createFromArray(predicted));
        EvalResult eval = new EvalResult(e, auc.value(), 0.5, 4, 0.1, List.of("airplane", "bird"),
                TestTimeAugmentation.NONE);
        return new EpochMetrics(runId, epoch, start, end, eval, new EpochMetrics.Training(0.4, 8, 1.0, 1, 1, 1),
                new EpochMetrics.Settings(1e-3, 2, 4, 1, 42, "test", Map.of("epochs", "1")), Map.of("spark", "test"), MemoryUsage.UNKNOWN);
    }
}
