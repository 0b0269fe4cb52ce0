package io.github.sparkresnet.cli;

import picocli.CommandLine;

/** The project version from the jar manifest, with the library versions that matter for results. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String own = Main.class.getPackage().getImplementationVersion();
        return new String[] {"spark-resnet " + (own == null ? "(development build)" : own),
            "Spark " + org.apache.spark.package$.MODULE$.SPARK_VERSION()};
    }
}
