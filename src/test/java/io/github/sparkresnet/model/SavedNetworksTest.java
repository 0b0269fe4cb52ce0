package io.github.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A network written by {@link SavedNetworks#write} is what DL4J's own writer saves, read by DL4J's reader. */
class SavedNetworksTest {

    @Test
    void dl4jRestoresTheSameNetworkUpdaterStateAndCounters() throws IOException {
        ComputationGraph net = SmallGraphs.trained();
        byte[] ours = written(net);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(ours), true);

        assertEquals(net.getConfiguration().toJson(), back.getConfiguration().toJson());
        assertEquals(net.params(), back.params());
        assertEquals(net.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
        assertEquals(2, back.getConfiguration().getIterationCount());
        // and it trains on exactly as the original does
        net.fit(SmallGraphs.batch(3));
        back.fit(SmallGraphs.batch(3));
        assertEquals(net.params(), back.params());
    }

    @Test
    void theEntriesAreDl4jsStoredUncompressed() throws IOException {
        ComputationGraph net = SmallGraphs.trained();
        ByteArrayOutputStream dl4j = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, dl4j, true);
        List<ZipEntry> theirs = entries(dl4j.toByteArray());
        byte[] written = written(net);
        List<ZipEntry> ours = entries(written);
        assertEquals(theirs.stream().map(ZipEntry::getName).toList(), ours.stream().map(ZipEntry::getName).toList());
        for (int i = 0; i < ours.size(); i++) {
            assertEquals(theirs.get(i).getSize(), ours.get(i).getSize(), ours.get(i).getName());
            assertTrue(ours.get(i).getCompressedSize() >= ours.get(i).getSize(), ours.get(i).getName() + " was compressed");
        }
        assertEquals(SavedNetworks.sizeHint(net), written.length, (1 << 20) + 0.0, "size hint");
    }

    @Test
    void eachEntryHoldsExactlyTheBytesDl4jsWriterWrites() throws IOException {
        ComputationGraph net = SmallGraphs.trained();
        ByteArrayOutputStream dl4j = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, dl4j, true);
        Map<String, byte[]> theirs = contents(dl4j.toByteArray());
        Map<String, byte[]> ours = contents(written(net));
        assertEquals(theirs.keySet(), ours.keySet());
        for (String name : theirs.keySet()) {
            assertArrayEquals(theirs.get(name), ours.get(name), name);
        }
        assertTrue(ours.get(ModelSerializer.UPDATER_BIN).length > 4 * net.params().length(), "Adam's moments written");
    }

    @Test
    void withoutTheUpdaterTheNetworkComputesTheSameFromAThirdOfTheBytes() throws IOException {
        ComputationGraph net = SmallGraphs.trained();
        byte[] whole = written(net);
        byte[] scoring = SavedNetworks.withoutUpdater(whole);

        assertEquals(List.of(ModelSerializer.CONFIGURATION_JSON, ModelSerializer.COEFFICIENTS_BIN),
                entries(scoring).stream().map(ZipEntry::getName).toList());
        long parameterBytes = net.params().length() * net.params().dataType().width();
        assertTrue(scoring.length < whole.length - 2 * parameterBytes + (1 << 12),
                "Adam's two moments left out: " + scoring.length + " of " + whole.length + " bytes");
        ComputationGraph back = SavedNetworks.restore(new ByteArrayInputStream(scoring), false);
        assertEquals(net.params(), back.params());
        INDArray images = SmallGraphs.batch(3).getFeatures();
        assertEquals(net.outputSingle(false, images), back.outputSingle(false, images));
        assertEquals(scoring.length, SavedNetworks.withoutUpdater(scoring).length, "nothing more to leave out");
    }

    @Test
    void theCallersStreamIsLeftOpen() throws IOException {
        boolean[] closed = {false};
        ByteArrayOutputStream out = new ByteArrayOutputStream() {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        SavedNetworks.write(SmallGraphs.trained(), out);
        assertTrue(!closed[0] && out.size() > 0, "the zip was written whole and the stream stays the caller's");
    }

    private static byte[] written(ComputationGraph net) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SavedNetworks.write(net, bytes);
        return bytes.toByteArray();
    }

    /** Each entry's uncompressed bytes, by name. */
    private static Map<String, byte[]> contents(byte[] zip) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    /** Entries with their sizes, read from the central directory (a stream reader cannot know them). */
    private static List<ZipEntry> entries(byte[] zip) throws IOException {
        Path file = Files.createTempFile("saved", ".zip");
        try {
            Files.write(file, zip);
            List<ZipEntry> out = new ArrayList<>();
            try (ZipFile z = new ZipFile(file.toFile())) {
                z.stream().forEach(out::add);
            }
            return out;
        } finally {
            Files.delete(file);
        }
    }
}
