package io.github.sparkresnet.cli;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.eval.MetricsTable;
import io.github.sparkresnet.eval.RunReport;
import io.github.sparkresnet.train.OutputRoot;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code report}: loss, accuracy and throughput per epoch of one or more runs, as PNGs and one HTML page. */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Chart runs' metrics per epoch (loss, accuracy, throughput) to PNG and a self-contained HTML page.")
final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputRoot output;

    @Option(names = "--run-id", required = true, paramLabel = "ID",
            description = "A run to chart; repeat the option to put runs side by side.")
    List<String> runIds;

    @Option(names = "--to", required = true, paramLabel = "DIR",
            description = "Local directory for loss.png, accuracy.png, throughput.png and report.html.")
    Path to;

    @Mixin
    SparkMaster master;

    @Override
    public Integer call() throws IOException {
        System.setProperty("java.awt.headless", "true"); // charts render without a display
        MetricsTable table = output.metrics(master.session("spark-resnet report"));
        Map<String, List<Row>> runs = RunReport.of(table, runIds);
        runs.forEach((id, rows) -> {
            if (rows.isEmpty()) {
                throw new BadInputException("--run-id " + id + ": no metrics under " + table.path() + "/run_id=" + id);
            }
        });
        List<Path> files = RunReport.write(runs, to);
        PrintWriter out = spec.commandLine().getOut();
        files.forEach(f -> out.println("wrote " + f));
        out.flush();
        return 0;
    }
}
