package io.github.sparkresnet.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.ROC;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class RankAucTest {
    @Test
    void equalScoresCountOneHalf() {
        RankAuc auc = new RankAuc();
        add(auc, new float[] {0.7f, 0.7f, 0.7f, 0.7f}, new boolean[] {true, false, true, false});
        assertEquals(0.5, auc.value(), 1e-12);
        ROC dl4j = new ROC(0);
        dl4j.eval(labels(new boolean[] {true, false, true, false}), probabilities(new float[] {0.7f, 0.7f, 0.7f, 0.7f}));
        assertTrue(dl4j.calculateAUC() > 0.5, "DL4J's exact ROC breaks the tie: " + dl4j.calculateAUC());
    }

    @Test
    void isThePairwiseChanceThatAPositiveScoresAboveANegative() {
        Random random = new Random(3);
        int n = 500;
        float[] scores = new float[n];
        boolean[] positive = new boolean[n];
        for (int i = 0; i < n; i++) {
            positive[i] = random.nextBoolean();
            // coarse scores: many ties, higher for positives on average
            scores[i] = Math.min(1f, Math.round((random.nextFloat() + (positive[i] ? 0.3f : 0f)) * 10) / 10f);
        }
        RankAuc auc = new RankAuc();
        for (int from = 0; from < n; from += 64) { // in batches, as the evaluator adds them
            int to = Math.min(n, from + 64);
            add(auc, java.util.Arrays.copyOfRange(scores, from, to), java.util.Arrays.copyOfRange(positive, from, to));
        }
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (positive[i] && !positive[j]) {
                    wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                    pairs++;
                }
            }
        }
        assertEquals(wins / pairs, auc.value(), 1e-12);
    }

    @Test
    void oneClassOnlyHasNoArea() {
        RankAuc auc = new RankAuc();
        add(auc, new float[] {0.2f, 0.9f}, new boolean[] {true, true});
        assertTrue(Double.isNaN(auc.value()));
    }

    private static void add(RankAuc auc, float[] p1, boolean[] positive) {
        auc.add(labels(positive), probabilities(p1));
    }

    private static INDArray labels(boolean[] positive) {
        float[][] l = new float[positive.length][];
        for (int i = 0; i < l.length; i++) {
            l[i] = positive[i] ? new float[] {0, 1} : new float[] {1, 0};
        }
        return Nd4j.createFromArray(l);
    }

    private static INDArray probabilities(float[] p1) {
        float[][] p = new float[p1.length][];
        for (int i = 0; i < p.length; i++) {
            p[i] = new float[] {1 - p1[i], p1[i]};
        }
        return Nd4j.createFromArray(p);
    }
}
