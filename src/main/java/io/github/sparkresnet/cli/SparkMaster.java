package io.github.sparkresnet.cli;

import io.github.sparkresnet.spark.SparkSessions;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/** {@code --master}, shared by every command: where Spark runs when the command is not started by spark-submit. */
final class SparkMaster {
    @Option(names = "--master", defaultValue = "local[*]", paramLabel = "URL",
            description = "Spark master when not run by spark-submit (spark-submit's --master wins). "
                    + "Default: ${DEFAULT-VALUE}.")
    String url;

    /** The command's SparkSession (spark-submit's, or an embedded one on {@link #url}). */
    SparkSession session(String appName) {
        return SparkSessions.getOrCreate(appName, url);
    }
}
