package io.github.sparkresnet.model.helpers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Views of ND4J arrays read and write the array's own floats, wherever it starts in its buffer. */
class FloatViewsTest {

    @Test
    void viewOfAnArrayInsideAnotherStartsAtItsOwnFirstElement() {
        INDArray flat = Nd4j.arange(100).castTo(DataType.FLOAT);
        INDArray inner = flat.get(NDArrayIndex.interval(10, 30)).reshape('c', 4, 5);
        assertEquals(10, inner.offset(), "a view into the flat array, as a layer's weights are");
        FloatBuffer floats = FloatViews.view(inner, 2, 7).asFloatBuffer();
        assertEquals(5, floats.remaining());
        for (int i = 0; i < 5; i++) {
            assertEquals(12f + i, floats.get(i));
        }
    }

    @Test
    void writesThroughAViewChangeTheArray() {
        INDArray flat = Nd4j.zeros(DataType.FLOAT, 50);
        INDArray inner = flat.get(NDArrayIndex.interval(20, 30));
        FloatViews.floats(inner).put(new float[] {1, 2, 3}, 0, 3);
        assertEquals(0f, flat.getFloat(19));
        assertEquals(1f, flat.getFloat(20));
        assertEquals(3f, flat.getFloat(22));
        assertEquals(0f, flat.getFloat(23));
    }
}
