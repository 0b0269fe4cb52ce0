package io.github.sparkresnet.model;

import io.github.sparkresnet.model.helpers.OneDnnHelpers;

import java.io.IOException;
import java.io.InputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/** Reads a saved network (a model or checkpoint zip) with the fast paths on, as a built one has them. */
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
}
