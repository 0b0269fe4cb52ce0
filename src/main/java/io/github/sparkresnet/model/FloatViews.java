package io.github.sparkresnet.model;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

/**
 * ND4J float arrays read and written in bulk from Java: the fast paths of this package copy
 * activations and weights to heap arrays, compute in loops the JIT vectorises, and copy back; bulk
 * copies cost far less than ND4J's element-wise copies between strided views.
 */
final class FloatViews {
    private FloatViews() {
    }

    /** {@code a} itself when it is c-ordered with default strides, else a c-ordered copy. */
    static INDArray contiguous(INDArray a) {
        return a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a) ? a : a.dup('c');
    }

    /** The floats of a c-contiguous array, read and written in place (no copy). */
    static FloatBuffer floats(INDArray a) {
        return NetworkState.view(a, 0, a.length()).asFloatBuffer();
    }
}
