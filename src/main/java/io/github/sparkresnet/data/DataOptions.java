package io.github.sparkresnet.data;

import io.github.sparkresnet.BadInputException;

import java.io.Serializable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Option;

/**
 * Where the labelled images are, declared once for the commands that read them (train, evaluate,
 * predict): CIFAR-10's binary files ({@code --data}) or a folder of one sub-folder per class
 * ({@code --images}, with its held-out split). Not picocli-required options because train may take
 * them from a {@code --config} file; {@link #validate()} is the check every command makes before
 * Spark starts, {@link #source} the one that looks at the files.
 */
public final class DataOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    @Option(names = "--data", paramLabel = "PATH",
            description = "CIFAR-10 binary data on any Hadoop file system: the cifar-10-batches-bin directory, "
                    + "a directory containing it, or cifar-10-binary.tar.gz.")
    public String path;

    @Option(names = "--images", paramLabel = "DIR",
            description = "Your own images instead of CIFAR-10 (any Hadoop file system): a folder with one "
                    + "sub-folder per class (torchvision's ImageFolder layout), or DIR/train and DIR/test laid out "
                    + "so; JPEG, PNG, GIF or BMP of any size, resized to 32x32 RGB.")
    public String images;

    @Option(names = "--test-fraction", defaultValue = "0.2", paramLabel = "F",
            description = "With --images and no DIR/test: the share of each class held out for testing, chosen by "
                    + "a hash of the file name. Default: ${DEFAULT-VALUE}.")
    public double testFraction;

    @Option(names = "--split-seed", defaultValue = "0", paramLabel = "N",
            description = "With --images and no DIR/test: seed of the held-out choice. Default: ${DEFAULT-VALUE}.")
    public long splitSeed;

    /** Exactly one of --data and --images, and a usable fraction; a BadInputException naming the option otherwise. */
    public DataOptions validate() {
        boolean data = path != null && !path.isBlank();
        if (data == isFolder()) {
            throw new BadInputException(data ? "--data and --images: expected one of them, not both"
                    : "--data or --images is required: the CIFAR-10 location (a cifar-10-batches-bin directory, a "
                            + "directory containing it, or cifar-10-binary.tar.gz), or a folder of images with one "
                            + "sub-folder per class");
        }
        if (!Double.isFinite(testFraction) || testFraction <= 0 || testFraction >= 1) {
            throw new BadInputException("--test-fraction " + testFraction + ": expected a fraction between 0 and 1, "
                    + "e.g. 0.2");
        }
        return this;
    }

    /** Whether the images are a folder ({@code --images}) rather than CIFAR-10's files. */
    private boolean isFolder() {
        return images != null && !images.isBlank();
    }

    /** The option and value that name the images, for messages: {@code --data PATH} or {@code --images DIR}. */
    public String shown() {
        return isFolder() ? "--images " + images : "--data " + path;
    }

    /** The checked source the options name. */
    public ImageSource source(Configuration hadoopConf) {
        validate();
        return isFolder()
                ? ImageFolder.resolve(images, testFraction, splitSeed, hadoopConf)
                : CifarSource.resolve(path, hadoopConf);
    }
}
