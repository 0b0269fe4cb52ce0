package io.github.sparkresnet.model.helpers;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

/**
 * ND4J float arrays read and written in bulk from Java, without copies on ND4J's side: the fast paths
 * of this package copy activations and weights to heap arrays, compute in loops the JIT vectorises,
 * and copy back (bulk copies cost far less than ND4J's element-wise copies between strided views);
 * the all-reduce hands ranges of a network's memory to Spark's block manager.
 */
public final class FloatViews {
    private FloatViews() {
    }

    /** {@code a} itself when it is c-ordered with default strides, else a c-ordered copy. */
    static INDArray contiguous(INDArray a) {
        return a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a) ? a : a.dup('c');
    }

    /** The floats of a c-contiguous array, read and written in place (no copy). */
    static FloatBuffer floats(INDArray a) {
        return view(a, 0, a.length()).asFloatBuffer();
    }

    /**
     * A direct buffer over floats [from, to) of {@code array}, made by JNI for exactly that range: not
     * a slice or duplicate of another buffer, and without a cleaner, so that Spark's block manager,
     * which disposes the direct buffers of blocks it removes, leaves the network's memory alone. In
     * native byte order; {@code array} must be one contiguous run of floats.
     */
    public static ByteBuffer view(INDArray array, long from, long to) {
        if (from == to) {
            return ByteBuffer.allocate(0);
        }
        // The buffer's address already points at the array's first element: ND4J gives a view (a layer's
        // weights inside the flat parameters) a buffer of its own, offset included.
        FloatPointer start = new FloatPointer(array.data().addressPointer()).getPointer(from);
        return start.position(0).limit(to - from).asByteBuffer();
    }
}
