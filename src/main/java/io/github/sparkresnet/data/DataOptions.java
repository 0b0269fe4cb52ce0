package io.github.sparkresnet.data;

import io.github.sparkresnet.BadInputException;

import java.io.Serializable;
import picocli.CommandLine.Option;

/**
 * {@code --data}, declared once for the commands that read CIFAR-10 (train, evaluate, predict). Not
 * a picocli-required option because train may take it from a {@code --config} file; {@link #location()}
 * is the check every command makes.
 */
public final class DataOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    @Option(names = "--data", paramLabel = "PATH",
            description = "CIFAR-10 binary data on any Hadoop file system: the cifar-10-batches-bin directory, "
                    + "a directory containing it, or cifar-10-binary.tar.gz.")
    public String path;

    /** Where the data is; a BadInputException naming --data when it was not given. */
    public String location() {
        if (path == null || path.isBlank()) {
            throw new BadInputException("--data is required: the CIFAR-10 location (a cifar-10-batches-bin "
                    + "directory, a directory containing it, or cifar-10-binary.tar.gz)");
        }
        return path;
    }
}
