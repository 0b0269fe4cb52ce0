package io.github.sparkresnet.cli;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.eval.MetricsTable;
import io.github.sparkresnet.train.OutputRoot;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code check}: a quality gate for schedulers. Reads a run's metrics and exits 0 when its last epoch
 * reached the accuracy threshold (and, if asked, the run has the expected epochs), 3 when it did not,
 * 2 when the run has no metrics.
 */
@Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Exit 0 if a run's last epoch reached --min-accuracy on the test split, 3 if not.")
final class CheckCommand implements Callable<Integer> {
    static final int EXIT_BELOW_THRESHOLD = 3;

    @Spec
    CommandSpec spec;

    @Mixin
    OutputRoot output;

    @Option(names = "--run-id", required = true, paramLabel = "ID", description = "The run to check.")
    String runId;

    @Option(names = "--min-accuracy", required = true, paramLabel = "A",
            description = "Lowest acceptable val_accuracy of the last epoch, in [0, 1].")
    double minAccuracy;

    @Option(names = "--epochs", defaultValue = "0", paramLabel = "N",
            description = "Also require epochs 1..N to be present (0 = do not check). Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Mixin
    SparkMaster master;

    @Override
    public Integer call() {
        if (!(minAccuracy >= 0 && minAccuracy <= 1)) {
            throw new BadInputException("--min-accuracy " + minAccuracy + ": expected a number in [0, 1]");
        }
        MetricsTable table = output.metrics(master.session("spark-resnet check " + runId));
        List<Row> rows = table.rows(runId);
        if (rows.isEmpty()) {
            throw new BadInputException("--run-id " + runId + ": no metrics under " + table.path() + "/run_id=" + runId);
        }
        PrintWriter out = spec.commandLine().getOut();
        Row last = rows.get(rows.size() - 1);
        int lastEpoch = last.getAs("epoch");
        double accuracy = last.getAs("val_accuracy");
        if (epochs > 0 && (rows.size() != epochs || lastEpoch != epochs)) {
            out.printf("run %s: FAIL has %d epoch rows up to epoch %d, expected epochs 1..%d%n", runId, rows.size(),
                    lastEpoch, epochs);
            out.flush();
            return EXIT_BELOW_THRESHOLD;
        }
        boolean pass = accuracy >= minAccuracy;
        out.printf("run %s: %s val_accuracy %.4f after epoch %d (threshold %.4f)%n", runId, pass ? "PASS" : "FAIL",
                accuracy, lastEpoch, minAccuracy);
        out.flush();
        return pass ? 0 : EXIT_BELOW_THRESHOLD;
    }
}
