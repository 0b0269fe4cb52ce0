package io.github.sparkresnet.cli;

import picocli.CommandLine.Option;

/** {@code --model}, shared by the commands that score a saved model (predict, evaluate). */
final class ModelOption {
    @Option(names = "--model", required = true, paramLabel = "ZIP",
            description = "A model or checkpoint written by train, e.g. runs/model/RUN/final.zip (any Hadoop path).")
    String path;
}
