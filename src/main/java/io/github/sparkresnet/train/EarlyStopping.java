package io.github.sparkresnet.train;

import java.util.Properties;

/**
 * Early stopping on the validation loss: stop once {@code patience} epochs in a row have not lowered
 * the best val_loss so far. Its state travels in the checkpoint description, so a resumed run stops
 * where the uninterrupted one would have.
 */
final class EarlyStopping {
    private final int patience;
    private double bestLoss;
    private int epochsWithoutImprovement;

    EarlyStopping(int patience) {
        this(patience, Double.POSITIVE_INFINITY, 0);
    }

    private EarlyStopping(int patience, double bestLoss, int epochsWithoutImprovement) {
        this.patience = patience;
        this.bestLoss = bestLoss;
        this.epochsWithoutImprovement = epochsWithoutImprovement;
    }

    static EarlyStopping restore(int patience, Properties checkpoint) {
        return new EarlyStopping(patience,
                Double.parseDouble(checkpoint.getProperty("best_val_loss", "Infinity")),
                Integer.parseInt(checkpoint.getProperty("epochs_without_val_loss_improvement", "0")));
    }

    void record(double valLoss) {
        if (valLoss < bestLoss) {
            bestLoss = valLoss;
            epochsWithoutImprovement = 0;
        } else {
            epochsWithoutImprovement++;
        }
    }

    boolean shouldStop() {
        return patience > 0 && epochsWithoutImprovement >= patience;
    }

    void describe(Properties checkpoint) {
        checkpoint.setProperty("best_val_loss", Double.toString(bestLoss));
        checkpoint.setProperty("epochs_without_val_loss_improvement", Integer.toString(epochsWithoutImprovement));
    }

    @Override
    public String toString() {
        return String.format("val_loss has not improved on %.4f for %d epochs (--early-stopping-patience %d)",
                bestLoss, epochsWithoutImprovement, patience);
    }
}
