package io.github.sparkresnet.eval;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.Reverse;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How the evaluator turns a test image into class probabilities: the network's output for the image
 * as it is, or the mean of its outputs for the image and its left-right mirror. A mirrored CIFAR
 * photograph is still a plausible photograph of the same class, which is also why flipping is the
 * training augmentation that does not make 5 epochs harder to fit ({@code --augment flip}).
 */
public enum TestTimeAugmentation {
    /** One forward pass per image, as the reference evaluates. */
    NONE,
    /** Two forward passes per image, the image and its mirror; the probabilities are averaged. */
    FLIP;

    /** The names the options use. */
    public static final String NAMES = Arrays.stream(values()).map(TestTimeAugmentation::label)
            .collect(Collectors.joining(", "));

    /** The test-time augmentation called {@code name} (case-insensitive). */
    public static TestTimeAugmentation named(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("expected one of " + NAMES + ", found '" + name + "'");
        }
    }

    /** This value's name in {@link #NAMES}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Class probabilities, one row per image of {@code features} (NCHW). */
    public INDArray probabilities(ComputationGraph net, INDArray features) {
        INDArray p = net.outputSingle(false, features);
        if (this == NONE) {
            return p;
        }
        INDArray mirrored = net.outputSingle(false, mirrored(features));
        return p.addi(mirrored).muli(0.5);
    }

    /** The images of an NCHW batch mirrored left-right (a new array; the input is left as it is). */
    static INDArray mirrored(INDArray nchw) {
        if (nchw.rank() != 4) {
            throw new IllegalArgumentException("expected NCHW images (rank 4), found shape "
                    + Arrays.toString(nchw.shape()));
        }
        return Nd4j.exec(new Reverse(nchw, Nd4j.createUninitialized(nchw.dataType(), nchw.shape()), 3))[0];
    }
}
