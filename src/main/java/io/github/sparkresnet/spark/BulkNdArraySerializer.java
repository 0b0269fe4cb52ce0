package io.github.sparkresnet.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.kryo.Nd4jSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Kryo serializer for INDArrays that copies the array's memory in bulk.
 *
 * <p>Why: ND4J's own {@link Nd4jSerializer} writes element by element through a DataOutputStream.
 * Every parameter-averaging round ships the ResNet34's parameters and Adam state (~255 MB) to the
 * workers and back, and a profile of a local[2] round showed most of its non-compute time in those
 * per-element calls. Arrays this serializer does not cover (strings, compressed buffers, a foreign
 * byte order) go through ND4J's serializer, marked by the first byte.
 */
public final class BulkNdArraySerializer extends Serializer<INDArray> {
    private static final byte BULK = 1;
    private static final byte FALLBACK = 2;
    private static final int CHUNK = 1 << 16;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    private final Nd4jSerializer fallback = new Nd4jSerializer();

    @Override
    public void write(Kryo kryo, Output output, INDArray array) {
        INDArray a = array.isView() ? array.dup(array.ordering()) : array;
        DataType type = a.dataType();
        if (!LITTLE_ENDIAN || a.isCompressed() || type == DataType.UTF8 || type == DataType.COMPRESSED
                || a.data().length() != a.length()) {
            output.writeByte(FALLBACK);
            fallback.write(kryo, output, array);
            return;
        }
        output.writeByte(BULK);
        output.writeString(type.name());
        output.writeByte((byte) a.ordering());
        long[] shape = a.shape();
        output.writeInt(shape.length, true);
        for (long d : shape) {
            output.writeLong(d, true);
        }
        long bytes = a.length() * type.width();
        output.writeLong(bytes, true);
        if (bytes > 0) {
            // asNio() wraps the native memory without referencing its owner: keep the array reachable
            // until the copy is done, or the GC may free a dup()ed view's memory under the loop
            // (seen: SIGSEGV in arraycopy in a 10-epoch run).
            try {
                ByteBuffer source = a.data().asNio();
                byte[] chunk = new byte[(int) Math.min(CHUNK, bytes)];
                for (long done = 0; done < bytes; ) {
                    int n = (int) Math.min(chunk.length, bytes - done);
                    source.get(chunk, 0, n);
                    output.writeBytes(chunk, 0, n);
                    done += n;
                }
            } finally {
                Reference.reachabilityFence(a);
            }
        }
    }

    @Override
    public INDArray read(Kryo kryo, Input input, Class<INDArray> type) {
        byte kind = input.readByte();
        if (kind == FALLBACK) {
            return fallback.read(kryo, input, type);
        }
        if (kind != BULK) {
            throw new IllegalStateException("not an INDArray written by " + getClass().getSimpleName()
                    + ": leading byte " + kind);
        }
        DataType dataType = DataType.valueOf(input.readString());
        char order = (char) input.readByte();
        long[] shape = new long[input.readInt(true)];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = input.readLong(true);
        }
        long bytes = input.readLong(true);
        INDArray array;
        // Deserialized arrays outlive whatever workspace the calling thread may have open.
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            array = bytes == 0 ? Nd4j.create(dataType, shape, order) : Nd4j.createUninitialized(dataType, shape, order);
        }
        if (bytes > 0) {
            try {
                ByteBuffer target = array.data().asNio();
                byte[] chunk = new byte[(int) Math.min(CHUNK, bytes)];
                for (long done = 0; done < bytes; ) {
                    int n = (int) Math.min(chunk.length, bytes - done);
                    input.readBytes(chunk, 0, n);
                    target.put(chunk, 0, n);
                    done += n;
                }
            } finally {
                Reference.reachabilityFence(array);
            }
        }
        return array;
    }
}
