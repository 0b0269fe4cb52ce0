package io.github.sparkresnet.bench;

import io.github.sparkresnet.model.RandomMinibatches;
import io.github.sparkresnet.model.ResNet34;
import io.github.sparkresnet.model.ResNetConfig;
import io.github.sparkresnet.model.helpers.OneDnnHelpers;
import io.github.sparkresnet.spark.Nd4jSetup;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * What Adam's update of one training step costs on one thread: every updater block of ResNet34 (all
 * its parameters) updated by DL4J's native op, then by {@code JavaAdamUpdater}, in alternated rounds;
 * and a subtraction over the parameters, the memory traffic's yardstick. Best of {@code reps} per round.
 *   args: [ROUNDS=3] [REPS=10]
 */
public final class AdamUpdateBench {
    private AdamUpdateBench() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Nd4j.create(1);
        Nd4jSetup.useCpus(1);
        ComputationGraph net = ResNet34.build(ResNetConfig.cifarPair());
        net.fit(RandomMinibatches.of(8, 0)); // the updater exists from here on
        List<UpdaterBlock> blocks = net.getUpdater().getUpdaterBlocks();
        List<GradientUpdater<?>> nativeUpdaters = new ArrayList<>();
        for (UpdaterBlock block : blocks) {
            nativeUpdaters.add(block.getGradientUpdater());
        }
        OneDnnHelpers.tune(net);
        List<GradientUpdater<?>> javaUpdaters = new ArrayList<>();
        for (UpdaterBlock block : blocks) {
            javaUpdaters.add(block.getGradientUpdater());
        }
        INDArray params = net.params();
        INDArray other = params.dup();
        System.out.printf("parameters %d in %d updater blocks, one thread%n", params.length(), blocks.size());
        for (int round = 1; round <= rounds; round++) {
            double nativeMs = best(reps, () -> step(blocks, nativeUpdaters));
            double javaMs = best(reps, () -> step(blocks, javaUpdaters));
            double subMs = best(reps, () -> other.subi(params));
            System.out.printf("round %d: native %.1f ms, java %.1f ms (%.2fx), subtraction %.1f ms%n",
                    round, nativeMs, javaMs, nativeMs / javaMs, subMs);
        }
    }

    private static void step(List<UpdaterBlock> blocks, List<GradientUpdater<?>> updaters) {
        for (int b = 0; b < blocks.size(); b++) {
            updaters.get(b).applyUpdater(blocks.get(b).getGradientView(), 1000, 0);
        }
    }

    private static double best(int reps, Runnable work) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            work.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best / 1e6;
    }
}
