package io.github.sparkresnet.averaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.model.NetworkState;
import io.github.sparkresnet.model.RandomMinibatches;
import io.github.sparkresnet.model.ResNet34;
import io.github.sparkresnet.model.ResNetConfig;
import io.github.sparkresnet.spark.TestSpark;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.TestBlockId;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

/**
 * The replica an executor that joins mid-run prepares: the one that executor's first task takes, and,
 * once a task has loaded the averaged state into it, computing exactly what a network that never ran
 * computes (the preparation fits once, which moves DL4J's iteration counter: every task sets it).
 */
class ReplicasTest {
    private static final String CONF = ResNet34.configuration(ResNetConfig.cifarPair().withSeed(3)).toJson();

    @Test
    void theFirstTaskTakesThePreparedReplicaAndThePreparationLeavesNoTraceInWhatItComputes() {
        ComputationGraph reference = ResNet34.build(ResNetConfig.cifarPair().withSeed(4));
        reference.fit(RandomMinibatches.of(8, 1)); // an averaged state with Adam moments and counters of its own
        Replicas.prepare("joined-run", () -> ResNet34.fromJson(CONF), 8, net -> { });
        ComputationGraph prepared = Replicas.acquire("joined-run", 7, -1, -1, () -> {
            throw new AssertionError("the prepared replica was not taken");
        }).net();
        ComputationGraph fresh = ResNet34.fromJson(CONF);
        try {
            for (ComputationGraph net : List.of(prepared, fresh)) { // what a round's task does first
                NetworkState state = new NetworkState(net);
                state.copyIn(0, new NetworkState(reference).views(0, state.length()));
                NetworkState.setClock(net, 1e-3, 0, 0);
                net.fit(RandomMinibatches.of(8, 2));
            }
            assertArrayEquals(floats(fresh), floats(prepared), "the prepared replica computed something else");
        } finally {
            Replicas.drop("joined-run");
        }
    }

    @Test
    void anotherRunsPreparationFreesTheIdleReplicasOfTheLastOne() {
        Replicas.prepare("first-run", () -> ResNet34.fromJson(CONF), 2, net -> { });
        Replicas.prepare("second-run", () -> ResNet34.fromJson(CONF), 2, net -> { });
        try {
            ComputationGraph built = ResNet34.fromJson(CONF);
            assertSame(built, Replicas.acquire("first-run", 7, -1, -1, () -> built).net(),
                    "a replica of the first run survived the second run's preparation");
        } finally {
            Replicas.drop("first-run");
            Replicas.drop("second-run");
        }
    }

    @Test
    void theRoundsWarmUpLeavesTheReplicasStateAsItWasAndNoBlockBehind() {
        TestSpark.get(); // a block manager in this JVM
        BlockManager blockManager = org.apache.spark.SparkEnv.get().blockManager();
        ComputationGraph net = ResNet34.fromJson(CONF);
        net.fit(RandomMinibatches.of(8, 5)); // moments that are not zero
        float[] before = floats(net);
        RoundBlocks blocks = new RoundBlocks("warm-run");
        for (boolean parametersOnly : new boolean[] {false, true}) {
            ReplicaRound.warmUp(new NetworkState(net), 3, parametersOnly, blocks);
            assertArrayEquals(before, floats(net), "the warm-up changed the replica (parameters only: " + parametersOnly + ")");
            for (int i = 0; i < 6; i++) {
                assertTrue(blockManager.getLocalBytes(new TestBlockId(blocks.warmUpSlice(i))).isEmpty(),
                        "block " + blocks.warmUpSlice(i) + " was left behind");
            }
        }
    }

    /** The network's whole state (parameters and Adam's moments), as floats. */
    private static float[] floats(ComputationGraph net) {
        NetworkState state = new NetworkState(net);
        float[] all = new float[Math.toIntExact(state.length())];
        int at = 0;
        for (ByteBuffer chunk : state.views(0, state.length())) {
            int n = chunk.remaining() / Float.BYTES;
            chunk.asFloatBuffer().get(all, at, n);
            at += n;
        }
        return all;
    }
}
