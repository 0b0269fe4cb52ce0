package io.github.sparkresnet.eval;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ROC AUC of class 1, exactly: the Mann–Whitney statistic, the chance that a random image of class 1
 * scores above a random image of class 0, equal scores counting one half (what Spark's
 * {@code BinaryClassificationEvaluator} and scikit-learn's {@code roc_auc_score} compute). DL4J's
 * exact {@code ROC} breaks ties by its sort order instead, which overstates the area when
 * probabilities saturate to the same float (four equal scores, two of each class: 0.75, not 0.5), as a
 * confident network's softmax does.
 */
final class RankAuc {
    private double[] scores = new double[256];
    private boolean[] positive = new boolean[256];
    private int n;

    /** One batch: one-hot {@code labels} and the class probabilities, rows alike. */
    void add(INDArray labels, INDArray probabilities) {
        long rows = labels.size(0);
        for (long r = 0; r < rows; r++) {
            if (n == scores.length) {
                scores = Arrays.copyOf(scores, 2 * n);
                positive = Arrays.copyOf(positive, 2 * n);
            }
            scores[n] = probabilities.getDouble(r, 1);
            positive[n] = labels.getDouble(r, 1) > 0.5;
            n++;
        }
    }

    /** The area; NaN without images of both classes. */
    double value() {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
        double positiveRankSum = 0;
        long positives = 0;
        for (int start = 0; start < n; ) {
            int end = start;
            while (end < n && scores[order[end]] == scores[order[start]]) {
                end++;
            }
            double rank = (start + 1 + end) / 2.0; // ranks start+1..end share their mean
            for (int i = start; i < end; i++) {
                if (positive[order[i]]) {
                    positiveRankSum += rank;
                    positives++;
                }
            }
            start = end;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }
}
