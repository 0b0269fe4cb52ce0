package io.github.sparkresnet.model;

import io.github.sparkresnet.model.helpers.FloatViews;
import io.github.sparkresnet.model.helpers.OneDnnHelpers;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Saved networks (model and checkpoint zips) in DL4J's own layout, read by
 * {@link ModelSerializer#restoreComputationGraph} and by anything else that reads DL4J models.
 */
public final class SavedNetworks {
    private SavedNetworks() {
    }

    /**
     * Restores a saved graph: helpers enabled before DL4J creates the layers (it decides then), and
     * the project's own helpers installed after ({@link OneDnnHelpers#tune}).
     */
    public static ComputationGraph restore(InputStream zip, boolean withUpdater) throws IOException {
        OneDnnHelpers.enable();
        ComputationGraph net = ModelSerializer.restoreComputationGraph(zip, withUpdater);
        OneDnnHelpers.tune(net);
        return net;
    }

    /**
     * Writes the graph with its updater state as {@link ModelSerializer#writeModel} does (the same
     * entries: configuration, parameters, Adam state), but stored rather than deflated and with the
     * float arrays copied in bulk: deflating ResNet34's 255 MB state takes 7–16 s of a 2-core driver at
     * the end of every epoch, storing it value by value 1.3 s, in bulk 0.15 s, for files ~60% larger
     * (the Adam moments deflate well, the weights barely; measured in bench/checkpoint-write.sh).
     */
    public static void write(ComputationGraph net, OutputStream out) throws IOException {
        // the zip is closed (its deflater's native memory freed), the caller's stream left open
        OutputStream caller = new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
        try (ZipOutputStream zip = new ZipOutputStream(caller)) {
            zip.setLevel(Deflater.NO_COMPRESSION);
            zip.putNextEntry(new ZipEntry(ModelSerializer.CONFIGURATION_JSON));
            zip.write(net.getConfiguration().toJson().getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
            writeArray(zip, ModelSerializer.COEFFICIENTS_BIN, net.params());
            INDArray updaterState = updaterState(net);
            if (updaterState.length() > 0) {
                writeArray(zip, ModelSerializer.UPDATER_BIN, updaterState);
            }
        }
    }

    /**
     * The saved network {@code zip} without its updater state: what scoring needs, a third of a
     * trained ResNet34's bytes (85 of 255 MB). DL4J's reader copies every entry of a zip onto the heap
     * while it restores one, so an executor given the whole checkpoint to score with holds the Adam
     * moments it never uses twice over: in the broadcast and in that copy (an executor of 1.5 GB of
     * heap ran out of it). The other entries are copied as they are, stored.
     */
    public static byte[] withoutUpdater(byte[] zip) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1 << 10, zip.length / 2)); // a trained one keeps a third
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip));
             ZipOutputStream kept = new ZipOutputStream(out)) {
            kept.setLevel(Deflater.NO_COMPRESSION);
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                if (!entry.getName().equals(ModelSerializer.UPDATER_BIN)) {
                    kept.putNextEntry(new ZipEntry(entry.getName()));
                    in.transferTo(kept);
                    kept.closeEntry();
                }
            }
        }
        return out.toByteArray();
    }

    /** The bytes {@link #write} writes, for a caller that stores them in several places. */
    public static long sizeHint(ComputationGraph net) {
        long arrays = net.params().length() + updaterState(net).length();
        return arrays * net.params().dataType().width() + (1 << 20);
    }

    /** The updater's state, empty when there is none (a network never fitted with an updater). */
    private static INDArray updaterState(ComputationGraph net) {
        INDArray state = net.getUpdater() == null ? null : net.getUpdater().getStateViewArray();
        return state == null ? Nd4j.empty(net.params().dataType()) : state;
    }

    private static void writeArray(ZipOutputStream zip, String entry, INDArray array) throws IOException {
        zip.putNextEntry(new ZipEntry(entry));
        DataOutputStream data = new DataOutputStream(new BufferedOutputStream(zip, 1 << 16));
        INDArray a = array.isView() ? array.dup() : array; // as Nd4j.write does
        // one direct ByteBuffer covers at most 2 GB: larger arrays (none in a ResNet34) take ND4J's path
        if (a.dataType() == DataType.FLOAT && Nd4j.getEnvironment().isCPU() && a.data().length() == a.length()
                && a.length() <= Integer.MAX_VALUE / Float.BYTES) {
            a.shapeInfoDataBuffer().write(data);
            writeFloats(a, data);
        } else {
            Nd4j.write(a, data);
        }
        data.flush();
        zip.closeEntry();
    }

    /**
     * An array's floats in the layout of ND4J's {@code DataBuffer.write} (its allocation mode, length and
     * type, then each value big-endian), which {@code Nd4j.read} reads back, but copied in bulk: ND4J
     * writes value by value through the stream, a call per byte. The bytes are the same but for NaNs,
     * whose payload is kept where ND4J's writer canonicalises it.
     */
    private static void writeFloats(INDArray array, DataOutputStream out) throws IOException {
        DataBuffer buffer = array.data();
        out.writeUTF(buffer.allocationMode().name());
        out.writeLong(buffer.length());
        out.writeUTF(buffer.dataType().name());
        try {
            FloatBuffer source = FloatViews.view(array, 0, array.length()).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.BIG_ENDIAN);
            FloatBuffer chunkFloats = chunk.asFloatBuffer();
            while (source.hasRemaining()) {
                int n = Math.min(chunkFloats.capacity(), source.remaining());
                chunkFloats.clear();
                chunkFloats.put(source.slice().limit(n));
                source.position(source.position() + n);
                out.write(chunk.array(), 0, n * Float.BYTES);
            }
        } finally {
            // the view wraps the native memory without referencing its owner
            Reference.reachabilityFence(array);
        }
    }
}
