package io.github.sparkresnet.cli;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.data.CifarDownloader;
import io.github.sparkresnet.data.CifarReader;
import io.github.sparkresnet.data.CifarSource;
import io.github.sparkresnet.data.ClassPair;
import io.github.sparkresnet.data.PairCounts;
import io.github.sparkresnet.spark.SparkSessions;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code train}: load CIFAR-10, select the class pair, and (without --dry-run) train. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Load CIFAR-10 into Spark, select two classes and train a ResNet34 on them.")
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "CIFAR-10 binary data on any Hadoop file system: the cifar-10-batches-bin directory, "
                    + "a directory containing it, or cifar-10-binary.tar.gz.")
    String data;

    @Option(names = "--classes", defaultValue = ClassPair.DEFAULT, paramLabel = "A,B",
            description = "The two classes, by name or label index; the first becomes 0, the second 1. "
                    + "Default: ${DEFAULT-VALUE}.")
    String classes;

    @Option(names = "--dry-run",
            description = "Load and check the data and options, print the record counts per split and class, "
                    + "then exit without training.")
    boolean dryRun;

    @Option(names = "--download",
            description = "If --data holds no CIFAR-10 yet, download cifar-10-binary.tar.gz into it "
                    + "(a local directory) and verify its MD5.")
    boolean download;

    @Option(names = "--download-url", defaultValue = CifarDownloader.OFFICIAL_URL, paramLabel = "URL",
            description = "Where --download fetches the archive (a mirror). Default: ${DEFAULT-VALUE}.")
    URI downloadUrl;

    @Option(names = "--master", defaultValue = "local[*]", paramLabel = "URL",
            description = "Spark master when not run by spark-submit (spark-submit's --master wins). "
                    + "Default: ${DEFAULT-VALUE}.")
    String master;

    @Override
    public Integer call() {
        if (download) {
            data = downloadIfAbsent(Path.of(data)).toString();
        }
        SparkSession spark = SparkSessions.getOrCreate("spark-resnet train", master);
        CifarSource source = CifarSource.resolve(data, spark.sparkContext().hadoopConfiguration());
        ClassPair pair = ClassPair.parse(classes, source.classNames());
        Dataset<Row> pairRows = pair.select(CifarReader.read(spark, source));
        PrintWriter out = spec.commandLine().getOut();
        if (dryRun) {
            out.println("data " + source.location() + " (" + source.kind().name().toLowerCase() + ")");
            out.println("classes " + pair);
            out.print(PairCounts.of(pairRows, pair).toLines());
            out.flush();
            return 0;
        }
        throw new BadInputException("training is not available in this build yet; use --dry-run");
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
}
