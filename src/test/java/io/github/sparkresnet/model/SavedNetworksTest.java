package io.github.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** A network written by {@link SavedNetworks#write} is what DL4J's own writer saves, read by DL4J's reader. */
class SavedNetworksTest {

    @Test
    void dl4jRestoresTheSameNetworkUpdaterStateAndCounters() throws IOException {
        ComputationGraph net = trained();
        byte[] ours = written(net);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(ours), true);

        assertEquals(net.getConfiguration().toJson(), back.getConfiguration().toJson());
        assertEquals(net.params(), back.params());
        assertEquals(net.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
        assertEquals(2, back.getConfiguration().getIterationCount());
        // and it trains on exactly as the original does
        net.fit(batch(3));
        back.fit(batch(3));
        assertEquals(net.params(), back.params());
    }

    @Test
    void theEntriesAreDl4jsStoredUncompressed() throws IOException {
        ComputationGraph net = trained();
        ByteArrayOutputStream dl4j = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, dl4j, true);
        List<ZipEntry> theirs = entries(dl4j.toByteArray());
        List<ZipEntry> ours = entries(written(net));
        assertEquals(theirs.stream().map(ZipEntry::getName).toList(), ours.stream().map(ZipEntry::getName).toList());
        for (int i = 0; i < ours.size(); i++) {
            assertEquals(theirs.get(i).getSize(), ours.get(i).getSize(), ours.get(i).getName());
            assertTrue(ours.get(i).getCompressedSize() >= ours.get(i).getSize(), ours.get(i).getName() + " was compressed");
        }
        assertEquals(SavedNetworks.sizeHint(net), written(net).length, (1 << 20) + 0.0, "size hint");
    }

    private static byte[] written(ComputationGraph net) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SavedNetworks.write(net, bytes);
        return bytes.toByteArray();
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

    private static ComputationGraph trained() {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder()
                .seed(3).dataType(DataType.FLOAT).updater(new Adam(0.01))
                .graphBuilder().addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build(), "in")
                .addLayer("norm", new BatchNormalization.Builder().nOut(5).build(), "hidden")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "norm")
                .setOutputs("out").build());
        net.init();
        net.fit(batch(1));
        net.fit(batch(2));
        return net;
    }

    private static DataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        var features = Nd4j.rand(DataType.FLOAT, 8, 4);
        var labels = Nd4j.zeros(DataType.FLOAT, 8, 2);
        for (int i = 0; i < 8; i++) {
            labels.putScalar(i, i % 2, 1f);
        }
        return new DataSet(features, labels);
    }
}
