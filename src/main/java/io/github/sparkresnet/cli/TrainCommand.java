package io.github.sparkresnet.cli;

import io.github.sparkresnet.Redaction;
import io.github.sparkresnet.data.CifarDownloader;
import io.github.sparkresnet.data.PairCounts;
import io.github.sparkresnet.spark.Nd4jSetup;
import io.github.sparkresnet.train.Recipe;
import io.github.sparkresnet.train.TrainConfig;
import io.github.sparkresnet.train.TrainingJob;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code train}: load CIFAR-10, select the class pair, train the ResNet34 by parameter averaging,
 * evaluate and checkpoint every epoch. Defaults can come from a file ({@code --config}) and a named
 * recipe ({@code --recipe}) over it; options on the command line win.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Load CIFAR-10 into Spark, select two classes and train a ResNet34 on them with synchronous "
                + "parameter averaging; evaluate, write metrics and checkpoint after every epoch.")
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file of option defaults (keys are option names without '--', e.g. "
                    + "conf/train.properties); options given on the command line override it.")
    Path configFile;

    @Option(names = "--recipe", paramLabel = "NAME", completionCandidates = RecipeNames.class,
            description = "Option defaults of a named recipe shipped with the job (conf/recipes): reference (the "
                    + "PyTorch reference's: no augmentation, a constant rate, no test-time flips), quarter-hour "
                    + "(the pooled stem, 6 epochs: ends within 15 minutes on 2 cores), long (the CIFAR stem, "
                    + "10 epochs). It wins over --config; options on the command line win over it. Default: none.")
    String recipe;

    /** The run's settings: every train option but --config, --recipe and the ones below (defined in {@link TrainConfig}). */
    @Mixin
    TrainConfig options;

    @Option(names = "--dry-run",
            description = "Check the data and every option, print the record counts and the plan, then exit "
                    + "without training.")
    boolean dryRun;

    @Option(names = "--download",
            description = "If --data holds no CIFAR-10 yet, download cifar-10-binary.tar.gz into it "
                    + "(a local directory) and verify its MD5.")
    boolean download;

    @Option(names = "--download-url", defaultValue = CifarDownloader.OFFICIAL_URL, paramLabel = "URL",
            description = "Where --download fetches the archive (a mirror). Default: ${DEFAULT-VALUE}.")
    URI downloadUrl;

    @Mixin
    SparkMaster master;

    /** The settings as given, the run id defaulting to the start time. */
    TrainConfig config() {
        if (options.runId == null) {
            options.runId = "run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        }
        return options;
    }

    @Override
    public Integer call() {
        if (download && options.data.path != null && options.data.images == null) {
            options.data.path = downloadIfAbsent(Path.of(options.data.path)).toString();
        }
        TrainConfig config = config().validate(); // option errors before Spark starts
        SparkSession spark = master.session("spark-resnet train " + config.runId);
        Nd4jSetup.configure("driver");
        TrainingJob job = new TrainingJob(spark, config);
        TrainingJob.Plan plan = job.plan();
        if (dryRun) {
            PrintWriter out = spec.commandLine().getOut();
            out.println("data " + Redaction.hideCredentials(plan.source().location()) + " (" + plan.source().kindName() + ")");
            out.println("classes " + plan.pair());
            Dataset<Row> both = plan.train().union(plan.test());
            out.print(PairCounts.of(both, plan.pair()).toLines());
            out.println("plan " + plan.workers() + " workers, " + plan.roundImages(config) + " images per averaging round, "
                    + plan.roundsPerEpoch(config) + " rounds per epoch"
                    + plan.resumeFrom().map(e -> ", resuming after epoch " + e).orElse(""));
            config.asMap().forEach((k, v) -> out.println("option " + k + " = " + v));
            out.flush();
            return 0;
        }
        job.run(plan);
        return 0;
    }

    /** The archive's path after an opt-in download, or {@code dir} itself when it already holds data. */
    private Path downloadIfAbsent(Path dir) {
        boolean hasData = Files.isRegularFile(dir)
                || Files.isDirectory(dir.resolve("cifar-10-batches-bin"))
                || Files.exists(dir.resolve("data_batch_1.bin"));
        if (hasData) {
            return dir;
        }
        // fetch() also re-verifies an archive a previous --download left there.
        return new CifarDownloader(downloadUrl, CifarDownloader.ARCHIVE_MD5).fetch(dir);
    }

    /** The recipes' names, for the help. */
    static final class RecipeNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Recipe.NAMES.iterator();
        }
    }
}
