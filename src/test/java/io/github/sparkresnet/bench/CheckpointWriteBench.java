package io.github.sparkresnet.bench;

import io.github.sparkresnet.model.SavedNetworks;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What writing an epoch's checkpoint costs the driver, three ways side by side on the same trained
 * network (a checkpoint of a real run: its weights and Adam moments are what gets written every
 * epoch): DL4J's {@link ModelSerializer#writeModel}, which deflates; {@link SavedNetworks#write}, the
 * same entries stored, its float arrays copied in bulk; and the same stored entries with each array
 * written value by value by ND4J's {@code Nd4j.write}. For each: seconds to serialize into memory
 * (the job writes those bytes to up to three files), the size, and seconds for DL4J to read them
 * back. Alternated, best of each.
 *
 * <p>Usage: {@code CheckpointWriteBench CHECKPOINT_ZIP [repeats]} (see bench/checkpoint-write.sh).
 */
public final class CheckpointWriteBench {
    private interface Writer {
        void write(ComputationGraph net, ByteArrayOutputStream out) throws IOException;
    }

    public static void main(String[] args) throws IOException {
        ComputationGraph net;
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            net = SavedNetworks.restore(in, true);
        }
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
        double[] bestRead = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
        long[] size = new long[3];
        String[] names = {"deflated (ModelSerializer.writeModel)", "stored (SavedNetworks.write)",
            "stored, each array value by value (Nd4j.write)"};
        Writer[] writers = {(n, out) -> ModelSerializer.writeModel(n, out, true), SavedNetworks::write,
            CheckpointWriteBench::storedValueByValue};
        for (int r = 0; r < repeats; r++) {
            for (int k = 0; k < writers.length; k++) {
                ByteArrayOutputStream out = new ByteArrayOutputStream((int) SavedNetworks.sizeHint(net));
                long t0 = System.nanoTime();
                writers[k].write(net, out);
                double write = (System.nanoTime() - t0) / 1e9;
                byte[] bytes = out.toByteArray();
                long t1 = System.nanoTime();
                ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes), true);
                double read = (System.nanoTime() - t1) / 1e9;
                System.out.printf("%s: write %.2f s, %.1f MB, read %.2f s%n", names[k], write, bytes.length / 1e6, read);
                best[k] = Math.min(best[k], write);
                bestRead[k] = Math.min(bestRead[k], read);
                size[k] = bytes.length;
            }
        }
        System.out.printf("checkpoint_write deflated_s=%.2f stored_s=%.2f ratio=%.1fx deflated_mb=%.1f stored_mb=%.1f "
                        + "read_deflated_s=%.2f read_stored_s=%.2f%n", best[0], best[1], best[0] / best[1], size[0] / 1e6,
                size[1] / 1e6, bestRead[0], bestRead[1]);
        System.out.printf("checkpoint_write stored_value_by_value_s=%.2f stored_s=%.2f ratio=%.1fx%n", best[2], best[1],
                best[2] / best[1]);
    }

    /**
     * The stored zip as {@link SavedNetworks#write} wrote it before it copied the float arrays in
     * bulk: the same entries, each array through ND4J's {@code Nd4j.write}, value by value.
     */
    private static void storedValueByValue(ComputationGraph net, ByteArrayOutputStream out) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(Deflater.NO_COMPRESSION);
            zip.putNextEntry(new ZipEntry(ModelSerializer.CONFIGURATION_JSON));
            zip.write(net.getConfiguration().toJson().getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
            INDArray[] arrays = {net.params(), net.getUpdater().getStateViewArray()};
            String[] entries = {ModelSerializer.COEFFICIENTS_BIN, ModelSerializer.UPDATER_BIN};
            for (int i = 0; i < arrays.length; i++) {
                zip.putNextEntry(new ZipEntry(entries[i]));
                DataOutputStream data = new DataOutputStream(new BufferedOutputStream(zip, 1 << 16));
                Nd4j.write(arrays[i], data);
                data.flush();
                zip.closeEntry();
            }
        }
    }
}
