package io.github.sparkresnet.cli;

import picocli.CommandLine.Option;

/** {@code --model} and {@code --data}, shared by the commands that score a saved model (predict, evaluate). */
final class ModelAndData {
    @Option(names = "--model", required = true, paramLabel = "ZIP",
            description = "A model or checkpoint written by train, e.g. runs/model/RUN/final.zip (any Hadoop path).")
    String model;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "CIFAR-10 binary data, as for train: the cifar-10-batches-bin directory, a directory "
                    + "containing it, or cifar-10-binary.tar.gz (any Hadoop path).")
    String data;
}
