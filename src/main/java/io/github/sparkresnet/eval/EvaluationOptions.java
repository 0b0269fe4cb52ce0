package io.github.sparkresnet.eval;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.ByNameConverter;

import java.io.Serializable;
import picocli.CommandLine.Option;

/**
 * How the test split is scored, declared once for the two commands that score it: train (after every
 * epoch) and evaluate (a saved model).
 */
public final class EvaluationOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    @Option(names = "--limit-test", defaultValue = "0", paramLabel = "N",
            description = "Score the first N records of the pair's test split only (0 = all). Default: ${DEFAULT-VALUE}.")
    public int limitTest;

    @Option(names = "--eval-batch-size", defaultValue = "250", paramLabel = "N",
            description = "Minibatch of the evaluation. Default: ${DEFAULT-VALUE}.")
    public int batchSize;

    @Option(names = "--tta", defaultValue = "flip", paramLabel = "KIND", converter = TtaByName.class,
            description = "Test-time augmentation: none, or flip (average the outputs for each test image and its "
                    + "mirror; twice the evaluation time). Default: ${DEFAULT-VALUE} for train; evaluate defaults to "
                    + "what the model's training run evaluated with (none for models that predate the option).")
    public TestTimeAugmentation tta;

    /** Fails naming the first option out of range. */
    public void validate() {
        if (limitTest < 0) {
            throw new BadInputException("--limit-test " + limitTest + ": expected 0 or more");
        }
        if (batchSize < 1) {
            throw new BadInputException("--eval-batch-size " + batchSize + ": expected a whole number of at least 1");
        }
    }

    /** {@code --tta} by name. */
    public static final class TtaByName extends ByNameConverter<TestTimeAugmentation> {
        public TtaByName() {
            super(TestTimeAugmentation::named);
        }
    }
}
