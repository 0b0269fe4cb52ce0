package io.github.sparkresnet.averaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.cli.Main;
import io.github.sparkresnet.model.NetworkState;
import io.github.sparkresnet.model.RandomMinibatches;
import io.github.sparkresnet.model.ResNet34;
import io.github.sparkresnet.model.ResNetConfig;
import io.github.sparkresnet.spark.TestSpark;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The all-reduce master computes what dl4j-spark's parameter averaging computes: the same rounds on
 * the same network, data and partitioning end with the same parameters, Adam state and DL4J
 * counters. A round that fails is fitted again from the last averaged state and ends where an
 * undisturbed run ends; with fewer workers after it, the state is what a failure-free run with their
 * minibatches computes. (The failure here is a task's, in local mode: the recovery path an
 * executor's loss takes on a cluster, which ExecutorChaosIT exercises.)
 */
class AveragingEquivalenceTest {
    private static final int BATCH = 8;
    private static final int FREQUENCY = 2;
    private static final double[] RATES = {1e-3, 7e-4, 4e-4, 2e-4};
    private final JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext());
    /** Fails the first task that reads a minibatch after it is set, once. */
    private static final AtomicBoolean FAIL_ONCE = new AtomicBoolean();
    /** Fails the task that reads the second minibatch after it is set to 2, once. */
    private static final AtomicInteger FAIL_AT_SECOND = new AtomicInteger();

    @Test
    void twoWorkersAverageToTheSameStateAsDl4jSpark() {
        ComputationGraph start = ResNet34.build(ResNetConfig.cifarPair().withSeed(5));
        List<JavaRDD<DataSet>> rounds = rounds(2, new int[] {4, 4, 4});
        ComputationGraph driver = train(Averaging.Kind.DRIVER, start, rounds, 2);
        ComputationGraph allReduce = train(Averaging.Kind.ALLREDUCE, start, rounds, 2);
        assertSameState(driver, allReduce, 1e-5);
    }

    @Test
    void workersWithoutMinibatchesAreLeftOutOfTheMeanAsDl4jSparkDoes() {
        // three workers; in the last round only the first has minibatches (one, a partial one)
        ComputationGraph start = ResNet34.build(ResNetConfig.cifarPair().withSeed(6));
        List<JavaRDD<DataSet>> rounds = rounds(3, new int[] {6, 5, 1});
        ComputationGraph driver = train(Averaging.Kind.DRIVER, start, rounds, 3);
        ComputationGraph allReduce = train(Averaging.Kind.ALLREDUCE, start, rounds, 3);
        // dl4j-spark sums three workers in a tree, the all-reduce in worker order: rounding differs
        assertSameState(driver, allReduce, 1e-5);
    }

    @Test
    void aRoundWithOneWorkerEndsWithItsStateAsDl4jSparkAveragingOneEnds() {
        // a two-worker run whose later rounds have one worker each (as after a loss): that worker's
        // fit publishes the mean itself, without an averaging job
        ComputationGraph start = ResNet34.build(ResNetConfig.cifarPair().withSeed(8));
        List<JavaRDD<DataSet>> oneWorkerLater = oneWorkerAfterTheFirst(rounds(2, new int[] {4, 4}));
        ComputationGraph driver = train(Averaging.Kind.DRIVER, start, oneWorkerLater, 2);
        ComputationGraph allReduce = train(Averaging.Kind.ALLREDUCE, start, oneWorkerLater, 2);
        assertSameState(driver, allReduce, 1e-5);
        // and one worker throughout: dl4j-spark's mean of one is that worker's state, bit for bit
        List<JavaRDD<DataSet>> alone = rounds(1, new int[] {2, 2});
        ComputationGraph undisturbed = train(Averaging.Kind.ALLREDUCE, start, alone, 1);
        assertSameState(train(Averaging.Kind.DRIVER, start, alone, 1), undisturbed, 0);
        // the mean is a copy, not the worker's memory: a round that fails after a minibatch changed
        // that memory is fitted again from the mean all the same
        ComputationGraph net = copy(start);
        try (AllReduceAveraging averaging = new AllReduceAveraging(jsc, net, 1, FREQUENCY, recorder())) {
            averaging.fitRound(alone.get(0), RATES[0]);
            FAIL_AT_SECOND.set(2);
            assertThrows(RoundFailedException.class, () -> averaging.fitRound(failingAtSecond(alone.get(1)), RATES[1]));
            averaging.fitRound(alone.get(1), RATES[1]);
            assertSameState(undisturbed, averaging.network(), 0);
        }
    }

    @Test
    void aFailedRoundFittedAgainFromTheLastAveragedStateEndsWhereAnUndisturbedRunEnds() {
        ComputationGraph start = ResNet34.build(ResNetConfig.cifarPair().withSeed(7));
        List<JavaRDD<DataSet>> rounds = rounds(2, new int[] {4, 4, 4});
        ComputationGraph undisturbed = train(Averaging.Kind.ALLREDUCE, start, rounds, 2);

        ComputationGraph net = copy(start);
        MinibatchRecorder recorder = recorder();
        try (AllReduceAveraging averaging = new AllReduceAveraging(jsc, net, 2, FREQUENCY, recorder)) {
            averaging.fitRound(rounds.get(0), RATES[0]);
            MinibatchRecorder.Mark afterFirst = recorder.mark();
            FAIL_ONCE.set(true);
            RoundFailedException failed = assertThrows(RoundFailedException.class,
                    () -> averaging.fitRound(failingOnce(rounds.get(1)), RATES[1]));
            assertTrue(failed.getMessage().contains("fit job failed"), failed.getMessage());
            assertEquals(afterFirst, recorder.mark(), "nothing the failed round's tasks recorded counts");
            fitRounds(averaging, rounds, 1, rounds.size()); // the failed round again, from round 0's state
            assertSameState(undisturbed, averaging.network(), 0);
        }
    }

    @Test
    void afterAFailedRoundFewerWorkersComputeWhatAFailureFreeRunWithTheirMinibatchesComputes() {
        // round 1 fails with two workers; its two partitions are then fitted by one worker each, in
        // line, as Rounds hands them out when one executor is left
        ComputationGraph start = ResNet34.build(ResNetConfig.cifarPair().withSeed(9));
        List<JavaRDD<DataSet>> rounds = rounds(2, new int[] {4, 4});
        List<JavaRDD<DataSet>> reassigned = oneWorkerAfterTheFirst(rounds);
        double[] rates = {RATES[0], RATES[1], RATES[1] + 1e-4};
        ComputationGraph failureFree = copy(start);
        try (AllReduceAveraging averaging = new AllReduceAveraging(jsc, failureFree, 2, FREQUENCY, recorder())) {
            for (int r = 0; r < reassigned.size(); r++) {
                averaging.fitRound(reassigned.get(r), rates[r]);
            }
            averaging.network();
        }
        ComputationGraph net = copy(start);
        try (AllReduceAveraging averaging = new AllReduceAveraging(jsc, net, 2, FREQUENCY, recorder())) {
            averaging.fitRound(rounds.get(0), rates[0]);
            FAIL_ONCE.set(true);
            assertThrows(RoundFailedException.class, () -> averaging.fitRound(failingOnce(rounds.get(1)), RATES[1]));
            for (int r = 1; r < reassigned.size(); r++) {
                averaging.fitRound(reassigned.get(r), rates[r]);
            }
            assertSameState(failureFree, averaging.network(), 0);
        }
        // and one worker's rounds are not two workers' round: the reassignment is what was computed
        ComputationGraph twoWorkers = train(Averaging.Kind.ALLREDUCE, start, rounds, 2);
        assertTrue(twoWorkers.params().sub(net.params()).amaxNumber().doubleValue() > 1e-6);
    }

    @Test
    void withParametersOnlyAFailedRoundLosesTheWorkersOwnMomentsAndTheEpochIsRedone() {
        ComputationGraph start = ResNet34.build(ResNetConfig.cifarPair().withSeed(10));
        List<JavaRDD<DataSet>> rounds = rounds(2, new int[] {4, 4});
        ComputationGraph net = copy(start);
        try (AllReduceAveraging averaging = averagingParametersOnly(net, 2, recorder())) {
            averaging.fitRound(rounds.get(0), RATES[0]);
            FAIL_ONCE.set(true);
            RoundLostException lost = assertThrows(RoundLostException.class,
                    () -> averaging.fitRound(failingOnce(rounds.get(1)), RATES[1]));
            assertTrue(lost.getMessage().contains("own moments"), lost.getMessage());
            assertEquals(1, averaging.rewind(), "round 0, fitted since the epoch's start, is lost with the state");
            fitRounds(averaging, rounds, 0, rounds.size());
            ComputationGraph undisturbed = copy(start);
            try (AllReduceAveraging again = averagingParametersOnly(undisturbed, 2, recorder())) {
                fitRounds(again, rounds, 0, rounds.size());
                assertSameState(again.network(), averaging.network(), 0);
            }
        }
    }

    @Test
    void aLostStateGoesBackToTheDriversLastCopyAndOnlyTheRoundsSinceAreFittedAgain() {
        // The driver reads the state after round 0 (as it does every few rounds while a slice has one
        // holder); round 3 then loses the state. (In local mode one executor holds every block, so the
        // loss is a failed task with --averaged parameters, which loses the workers' own moments.)
        ComputationGraph start = ResNet34.build(ResNetConfig.cifarPair().withSeed(11));
        List<JavaRDD<DataSet>> rounds = rounds(2, new int[] {4, 4, 4, 4});
        ComputationGraph undisturbed = copy(start);
        MinibatchRecorder undisturbedRecorder = recorder();
        try (AllReduceAveraging averaging = averagingParametersOnly(undisturbed, 2, undisturbedRecorder)) {
            fitRounds(averaging, rounds, 0, 1);
            averaging.network();
            fitRounds(averaging, rounds, 1, rounds.size());
            averaging.network();
        }
        ComputationGraph net = copy(start);
        MinibatchRecorder recorder = recorder();
        try (AllReduceAveraging averaging = averagingParametersOnly(net, 2, recorder)) {
            fitRounds(averaging, rounds, 0, 1);
            averaging.network();
            MinibatchRecorder.Mark atCopy = recorder.mark();
            fitRounds(averaging, rounds, 1, 3);
            FAIL_ONCE.set(true);
            assertThrows(RoundLostException.class, () -> averaging.fitRound(failingOnce(rounds.get(3)), RATES[3]));
            assertEquals(2, averaging.rewind(), "rounds 1 and 2, fitted since the driver's copy, are lost with the state");
            assertEquals(atCopy, recorder.mark(), "nothing rounds 1 and 2 recorded counts any more");
            fitRounds(averaging, rounds, 1, rounds.size());
            assertSameState(undisturbed, averaging.network(), 0);
            assertEquals(undisturbedRecorder.mark().examples(), recorder.mark().examples(), "each image counted once");
        }
    }

    @Test
    void averagingParametersOnlyKeepsEachWorkersMomentsAndAveragesThemAtTheEnd() {
        // three workers, the last round partial: worker 2 has no minibatches in it
        ComputationGraph start = ResNet34.build(ResNetConfig.cifarPair().withSeed(8));
        List<JavaRDD<DataSet>> rounds = rounds(3, new int[] {6, 6, 3});
        ComputationGraph expected = onOneThread(() -> parametersOnly(start, rounds, 3));
        ComputationGraph net = copy(start);
        try (AllReduceAveraging averaging = averagingParametersOnly(net, 3, recorder())) {
            fitRounds(averaging, rounds, 0, rounds.size());
            assertSameState(expected, averaging.network(), 0); // the reference computes on one thread, as tasks do
        }
        // and it is not what averaging the whole state computes
        ComputationGraph whole = train(Averaging.Kind.ALLREDUCE, start, rounds, 3);
        double diff = whole.getUpdater().getStateViewArray().sub(net.getUpdater().getStateViewArray()).amaxNumber().doubleValue();
        assertTrue(diff > 1e-3 * whole.getUpdater().getStateViewArray().amaxNumber().doubleValue(), "moments differ by " + diff);
    }

    /**
     * What {@code --averaged parameters} means, computed one worker after another: each worker keeps
     * its network (so its Adam moments) from round to round, starting each round from the mean of the
     * parameters of the workers that trained in the last; at the end, the moments of the workers that
     * trained in the last round are averaged too.
     */
    private static ComputationGraph parametersOnly(ComputationGraph start, List<JavaRDD<DataSet>> rounds, int workers) {
        List<ComputationGraph> nets = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            nets.add(copy(start));
        }
        INDArray params = start.params().dup();
        List<ComputationGraph> trained = new ArrayList<>();
        for (int r = 0; r < rounds.size(); r++) {
            List<List<DataSet>> perWorker = rounds.get(r).glom().collect();
            trained.clear();
            for (int w = 0; w < workers; w++) {
                if (perWorker.get(w).isEmpty()) {
                    continue;
                }
                ComputationGraph net = nets.get(w);
                net.params().assign(params);
                NetworkState.setClock(net, RATES[r], 0, 0);
                perWorker.get(w).forEach(net::fit);
                trained.add(net);
            }
            params = mean(trained.stream().map(ComputationGraph::params).collect(java.util.stream.Collectors.toList()));
        }
        ComputationGraph out = copy(start);
        out.params().assign(params);
        out.getUpdater().getStateViewArray().assign(mean(trained.stream()
                .map(n -> n.getUpdater().getStateViewArray()).collect(java.util.stream.Collectors.toList())));
        NetworkState.setClock(out, RATES[rounds.size() - 1], FREQUENCY * rounds.size(), rounds.size());
        return out;
    }

    /**
     * Computes on one thread, as a task does (Nd4jSetup.useTaskCpus): with other thread counts the
     * products sum in other orders, and results differ in the last bits.
     */
    private static <T> T onOneThread(java.util.function.Supplier<T> work) {
        var ops = org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps();
        int omp = ops.ompGetMaxThreads();
        int master = Nd4j.getEnvironment().maxMasterThreads();
        int blas = Nd4j.factory().blas().getMaxThreads();
        ops.setOmpNumThreads(1);
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        Nd4j.factory().blas().setMaxThreads(1);
        try {
            return work.get();
        } finally {
            ops.setOmpNumThreads(omp);
            Nd4j.getEnvironment().setMaxMasterThreads(master);
            Nd4j.factory().blas().setMaxThreads(blas);
        }
    }

    /** Summed in order, then divided: as the all-reduce averages. */
    private static INDArray mean(List<INDArray> vectors) {
        INDArray sum = vectors.get(0).dup();
        for (int k = 1; k < vectors.size(); k++) {
            sum.addi(vectors.get(k));
        }
        return sum.divi(vectors.size());
    }

    private ComputationGraph train(Averaging.Kind kind, ComputationGraph start, List<JavaRDD<DataSet>> rounds, int workers) {
        ComputationGraph net = copy(start);
        DriverAveraging.Settings settings = Main.trainConfig("--data", "unused", "--batch-size-per-worker", "" + BATCH,
                "--averaging-frequency", "" + FREQUENCY, "--workers", "" + workers, "--averaging", kind.name()).driverAveraging();
        try (Averaging averaging = kind == Averaging.Kind.DRIVER
                ? new DriverAveraging(jsc, net, settings, workers, recorder())
                : new AllReduceAveraging(jsc, net, workers, FREQUENCY, recorder())) {
            fitRounds(averaging, rounds, 0, rounds.size());
            return averaging.network();
        }
    }

    /**
     * Rounds of random minibatches: round r holds {@code minibatches[r]} of them, full ones but for
     * the last of the last round, dealt FREQUENCY per worker in order, as {@link Rounds} lays them out.
     */
    private List<JavaRDD<DataSet>> rounds(int workers, int[] minibatches) {
        long seed = 99;
        List<JavaRDD<DataSet>> out = new ArrayList<>();
        for (int r = 0; r < minibatches.length; r++) {
            List<List<DataSet>> perWorker = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                perWorker.add(new ArrayList<>());
            }
            for (int k = 0; k < minibatches[r]; k++) {
                boolean lastOfRun = r == minibatches.length - 1 && k == minibatches[r] - 1;
                perWorker.get(k / FREQUENCY).add(RandomMinibatches.of(lastOfRun ? 3 : BATCH, seed++));
            }
            List<DataSet> flat = new ArrayList<>();
            perWorker.forEach(flat::addAll);
            List<Integer> owner = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                for (int k = 0; k < perWorker.get(w).size(); k++) {
                    owner.add(w);
                }
            }
            // one partition per worker, each holding that worker's minibatches
            out.add(jsc.parallelizePairs(zip(owner, flat), 1)
                    .partitionBy(new org.apache.spark.HashPartitioner(workers)).values().cache());
        }
        return out;
    }

    private static List<scala.Tuple2<Integer, DataSet>> zip(List<Integer> keys, List<DataSet> values) {
        List<scala.Tuple2<Integer, DataSet>> out = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            out.add(new scala.Tuple2<>(keys.get(i), values.get(i)));
        }
        return out;
    }


    /** The all-reduce with {@code --averaged parameters} over {@code workers} workers, starting from {@code net}. */
    private AllReduceAveraging averagingParametersOnly(ComputationGraph net, int workers, MinibatchRecorder recorder) {
        return new AllReduceAveraging(jsc, net, workers, FREQUENCY, Averaging.Averaged.PARAMETERS, recorder);
    }

    /** Rounds {@code from} to {@code to - 1}, each at its rate. */
    private static void fitRounds(Averaging averaging, List<JavaRDD<DataSet>> rounds, int from, int to) {
        for (int r = from; r < to; r++) {
            averaging.fitRound(rounds.get(r), RATES[r]);
        }
    }

    private static JavaRDD<DataSet> failingOnce(JavaRDD<DataSet> round) {
        return round.map(d -> {
            if (FAIL_ONCE.getAndSet(false)) {
                throw new IllegalStateException("injected failure");
            }
            return d;
        });
    }

    /** Round 0, then each partition of round 1 as a round of its own: one worker each, in line. */
    private List<JavaRDD<DataSet>> oneWorkerAfterTheFirst(List<JavaRDD<DataSet>> rounds) {
        List<JavaRDD<DataSet>> out = new ArrayList<>(List.of(rounds.get(0)));
        for (List<DataSet> partition : rounds.get(1).glom().collect()) {
            out.add(jsc.parallelize(partition, 1));
        }
        return out;
    }

    private static JavaRDD<DataSet> failingAtSecond(JavaRDD<DataSet> round) {
        return round.map(d -> {
            if (FAIL_AT_SECOND.get() > 0 && FAIL_AT_SECOND.decrementAndGet() == 0) {
                throw new IllegalStateException("injected failure after a minibatch was fitted");
            }
            return d;
        });
    }

    private MinibatchRecorder recorder() {
        DoubleAccumulator loss = jsc.sc().doubleAccumulator();
        LongAccumulator examples = jsc.sc().longAccumulator();
        return new MinibatchRecorder(loss, examples, new ExecutorMemory().register(jsc.sc()));
    }

    private static ComputationGraph copy(ComputationGraph net) {
        ComputationGraph c = ResNet34.fromJson(net.getConfiguration().toJson());
        c.params().assign(net.params());
        return c;
    }

    /** Parameters and Adam state equal to {@code tolerance} relative to the largest magnitude; same counters and rate. */
    private static void assertSameState(ComputationGraph expected, ComputationGraph actual, double tolerance) {
        for (String part : new String[] {"parameters", "Adam state"}) {
            INDArray e = part.equals("parameters") ? expected.params() : expected.getUpdater().getStateViewArray();
            INDArray a = part.equals("parameters") ? actual.params() : actual.getUpdater().getStateViewArray();
            double scale = e.amaxNumber().doubleValue();
            double diff = e.sub(a).amaxNumber().doubleValue();
            assertTrue(diff <= tolerance * scale, part + ": largest difference " + diff + " of largest magnitude " + scale);
            System.out.printf("%s: largest difference %.3g relative to the largest magnitude%n", part, diff / scale);
        }
        assertTrue(new NetworkState(actual).length() > 60_000_000L, "the whole ResNet34 state was compared");
        assertEquals(expected.getConfiguration().getIterationCount(), actual.getConfiguration().getIterationCount());
        assertEquals(expected.getConfiguration().getEpochCount(), actual.getConfiguration().getEpochCount());
        assertEquals(expected.getLearningRate("stem_conv"), actual.getLearningRate("stem_conv"));
    }
}
