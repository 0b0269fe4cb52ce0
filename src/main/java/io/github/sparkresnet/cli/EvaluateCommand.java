package io.github.sparkresnet.cli;

import static org.apache.spark.sql.functions.col;

import io.github.sparkresnet.data.ClassPair;
import io.github.sparkresnet.data.DataOptions;
import io.github.sparkresnet.data.ImageColumn;
import io.github.sparkresnet.data.ImageSource;
import io.github.sparkresnet.data.Minibatches;
import io.github.sparkresnet.data.Normalization;
import io.github.sparkresnet.eval.EpochMetrics;
import io.github.sparkresnet.eval.EvalResult;
import io.github.sparkresnet.eval.EvaluationOptions;
import io.github.sparkresnet.eval.Evaluator;
import io.github.sparkresnet.eval.MemoryUsage;
import io.github.sparkresnet.eval.MetricsTable;
import io.github.sparkresnet.eval.TestTimeAugmentation;
import io.github.sparkresnet.spark.Nd4jSetup;
import io.github.sparkresnet.train.OutputRoot;
import io.github.sparkresnet.train.TrainConfig;
import io.github.sparkresnet.train.TrainingJob;
import io.github.sparkresnet.eval.SavedModel;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code evaluate}: score a saved model on the test split of its class pair with the same evaluator
 * training uses, and write the same metrics row (training columns empty: NaN or 0) under
 * {@code OUTPUT/metrics/run_id=RUN/epoch=E}.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Score a saved model on the test split; write the metrics row training writes.")
final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Mixin
    DataOptions data;

    @Mixin
    OutputRoot output;

    @Option(names = "--run-id", paramLabel = "ID",
            description = "Run id of the row. Default: the model's run id + '-eval' (never the training run's own rows).")
    String runId;

    @Mixin
    EvaluationOptions evaluation;

    @Mixin
    SparkMaster master;

    @Override
    public Integer call() throws IOException {
        data.validate();
        evaluation.validate();
        SparkSession spark = master.session("spark-resnet evaluate");
        Nd4jSetup.configure("driver");
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Path zip = new Path(model.path);
        FileSystem fs = zip.getFileSystem(hadoop);
        Properties info = SavedModel.description(fs, zip, "--model " + model.path);
        String id = runId != null ? runId : TrainConfig.recorded(info, "run-id", "model") + "-eval";
        int epoch = Integer.parseInt(info.getProperty("epoch", "1"));

        ImageSource source = data.source(hadoop);
        ClassPair pair = ClassPair.parse(SavedModel.classes(info, zip), source.classNames());
        Dataset<Row> test = pair.select(source.read(spark)).filter(col("split").equalTo("test"));
        if (evaluation.limitTest > 0) {
            test = test.orderBy("source_file", "record_index").limit(evaluation.limitTest);
        }
        test = ImageColumn.requireDecoded(test, source, data.shown());
        List<DataSet> batches = Minibatches.inFixedOrder(test, evaluation.batchSize, Normalization.HALF).collect();
        ComputationGraph net = SavedModel.load(SavedModel.bytes(fs, zip), zip);
        Instant start = Instant.now();
        // --tta's default here is the recipe the model was trained and scored with, not train's default.
        TestTimeAugmentation scoring = spec.commandLine().getParseResult().hasMatchedOption("--tta")
                ? evaluation.tta : SavedModel.tta(info, zip);
        EvalResult eval = Evaluator.evaluate(net, batches, pair.names(), scoring);
        EpochMetrics.Settings settings = new EpochMetrics.Settings(number(info, "learning-rate"),
                (int) number(info, "workers"), (int) number(info, "batch-size-per-worker"),
                (int) number(info, "averaging-frequency"), (long) number(info, "seed"), "test",
                TrainConfig.recordedOptions(info));
        EpochMetrics row = new EpochMetrics(id, epoch, start, Instant.now(), eval, EpochMetrics.Training.NONE, settings,
                versions(), MemoryUsage.UNKNOWN);
        MetricsTable table = output.metrics(spark);
        table.write(row);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("run %s epoch %d: val_accuracy %.4f val_loss %.4f auc %.4f on %d images -> %s%n", id, epoch,
                eval.accuracy(), eval.meanLoss(), row.rocAuc(), eval.examples(), table.path());
        out.flush();
        return 0;
    }

    /** A number a model's description records under an option's name (0 when it is absent or "auto"). */
    private static double number(Properties p, String option) {
        try {
            return Double.parseDouble(TrainConfig.recorded(p, option, "0"));
        } catch (NumberFormatException e) {
            return 0; // e.g. workers = auto in older descriptions
        }
    }


    /** Training's versions, plus which command wrote the row. */
    private static Map<String, String> versions() {
        Map<String, String> v = new LinkedHashMap<>(TrainingJob.versions());
        v.put("command", "evaluate");
        return v;
    }
}
