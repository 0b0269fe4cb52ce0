package io.github.sparkresnet.averaging;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * The element-wise mean of equally long vectors of native-order floats: the reduce step of the
 * all-reduce. Sums in the order given, then divides by the count, as dl4j-spark's parameter averaging
 * does (so two workers average to the same bits). Works through a small on-heap chunk so the loops
 * vectorize and every operand is read once.
 */
final class SliceMean {
    private static final int CHUNK = 1 << 14;

    private SliceMean() {
    }

    /**
     * Writes the mean of {@code parts} (each a vector given as buffers in order, each from its position
     * to its limit) into {@code out} from its position on; returns {@code out}, its position advanced.
     */
    static ByteBuffer into(List<ByteBuffer[]> parts, ByteBuffer out) {
        long bytes = bytes(parts.get(0));
        Floats[] sources = new Floats[parts.size()];
        for (int k = 0; k < sources.length; k++) {
            if (bytes(parts.get(k)) != bytes) {
                throw new IllegalArgumentException("vector " + k + " has " + bytes(parts.get(k)) + " bytes, vector 0 has " + bytes);
            }
            sources[k] = new Floats(parts.get(k));
        }
        FloatBuffer target = out.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
        float count = parts.size();
        float[] sum = new float[CHUNK];
        float[] next = new float[CHUNK];
        long floats = bytes / Float.BYTES;
        for (long at = 0; at < floats; at += CHUNK) {
            int n = (int) Math.min(CHUNK, floats - at);
            sources[0].read(sum, n);
            for (int k = 1; k < sources.length; k++) {
                sources[k].read(next, n);
                for (int i = 0; i < n; i++) {
                    sum[i] += next[i];
                }
            }
            for (int i = 0; i < n; i++) {
                sum[i] /= count;
            }
            target.put(sum, 0, n);
        }
        out.position(Math.toIntExact(out.position() + bytes));
        return out;
    }

    private static long bytes(ByteBuffer[] chunks) {
        long n = 0;
        for (ByteBuffer c : chunks) {
            n += c.remaining();
        }
        return n;
    }

    /** Reads floats in order across a vector's buffers. */
    private static final class Floats {
        private final FloatBuffer[] chunks;
        private int current;

        Floats(ByteBuffer[] bytes) {
            chunks = new FloatBuffer[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                chunks[i] = bytes[i].duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
            }
        }

        void read(float[] into, int n) {
            int done = 0;
            while (done < n) {
                while (!chunks[current].hasRemaining()) {
                    current++;
                }
                int k = Math.min(n - done, chunks[current].remaining());
                chunks[current].get(into, done, k);
                done += k;
            }
        }
    }
}
