package io.github.sparkresnet.eval;

import java.util.List;
import org.nd4j.evaluation.classification.Evaluation;

/**
 * One evaluation of a network on a labelled split: DL4J's {@link Evaluation}, the ROC AUC of class 1
 * with ties counted half ({@code RankAuc}; NaN for more than two classes), the mean cross-entropy, how
 * each image was scored ({@code tta}), and how long it took.
 */
public record EvalResult(Evaluation evaluation, double rocAuc, double meanLoss, long examples,
                         double seconds, List<String> classNames, TestTimeAugmentation tta) {

    public double accuracy() {
        return evaluation.accuracy();
    }

    /** Confusion counts, row = true class, column = predicted class. */
    public long[][] confusion() {
        int n = classNames.size();
        long[][] m = new long[n][n];
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < n; p++) {
                m[t][p] = evaluation.getConfusionMatrix().getCount(t, p);
            }
        }
        return m;
    }
}
