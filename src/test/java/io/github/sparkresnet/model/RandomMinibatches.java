package io.github.sparkresnet.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Minibatches for tests and benches of what holds whatever the images: random 32x32 RGB images (NCHW),
 * uniform in [-1, 1) like CIFAR-10's pixels normalized by mean and std 0.5, labelled one-hot with the
 * two classes in turn. The same seed gives the same minibatch.
 */
public final class RandomMinibatches {
    private RandomMinibatches() {
    }

    /** {@code images} random images, the first labelled 0, the next 1, and so on; from ND4J's generator seeded with {@code seed}. */
    public static DataSet of(int images, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, images, 3, 32, 32).subi(0.5).muli(2);
        INDArray y = Nd4j.zeros(DataType.FLOAT, images, 2);
        for (int i = 0; i < images; i++) {
            y.putScalar(i, i % 2, 1);
        }
        return new DataSet(x, y);
    }
}
