package io.github.sparkresnet.averaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The reduce step: an element-wise mean, summed in the order given, over vectors cut into chunks anywhere. */
class SliceMeanTest {

    @Test
    void meanOfVectorsSplitIntoChunksAtDifferentPlaces() {
        int n = 50_000; // more than one of SliceMean's internal chunks
        Random rng = new Random(7);
        float[][] vectors = new float[3][n];
        for (float[] v : vectors) {
            for (int i = 0; i < n; i++) {
                v[i] = rng.nextFloat() * 2 - 1;
            }
        }
        List<ByteBuffer[]> parts = List.of(chunks(vectors[0], 1), chunks(vectors[1], 17_001, 30_000),
                chunks(vectors[2], 20_000));
        ByteBuffer out = ByteBuffer.allocate(n * 4 + 8).order(ByteOrder.nativeOrder());
        out.putFloat(-1f); // written after whatever the buffer already holds
        SliceMean.into(parts, out);
        assertEquals(4 + n * 4, out.position());
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            expected[i] = ((vectors[0][i] + vectors[1][i]) + vectors[2][i]) / 3f;
        }
        float[] actual = new float[n];
        out.flip();
        assertEquals(-1f, out.getFloat());
        out.asFloatBuffer().get(actual);
        assertArrayEquals(expected, actual, "same bits as summing in order, then dividing by the count");
    }

    @Test
    void vectorsOfDifferentLengthsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SliceMean.into(
                List.of(chunks(new float[4], 1), chunks(new float[5], 1)), ByteBuffer.allocate(64)));
    }

    /** {@code v} as native-order buffers, cut before each of {@code cuts} (element indices). */
    private static ByteBuffer[] chunks(float[] v, int... cuts) {
        List<ByteBuffer> out = new ArrayList<>();
        int from = 0;
        for (int cut : cuts) {
            out.add(buffer(v, from, cut));
            from = cut;
        }
        out.add(buffer(v, from, v.length));
        return out.toArray(new ByteBuffer[0]);
    }

    private static ByteBuffer buffer(float[] v, int from, int to) {
        ByteBuffer b = ByteBuffer.allocateDirect((to - from) * 4).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(v, from, to - from);
        return b;
    }
}
