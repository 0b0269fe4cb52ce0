package io.github.sparkresnet.averaging;

import io.github.sparkresnet.OutOfMemory;
import io.github.sparkresnet.model.NetworkState;
import io.github.sparkresnet.spark.ByteBlocks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --averaging allreduce}: replicas that stay on the executors and average among themselves,
 * with the driver out of the data path.
 *
 * <p>A round is two Spark jobs. In the first, each worker's task takes a resident replica
 * ({@link Replicas}), loads the averaged state into it, fits its minibatches and cuts its new state
 * (parameters and Adam state, {@link NetworkState}) into one slice per worker, stored as blocks in
 * its executor's block manager ({@link ReplicaRound}). In the second, task {@code i} reads slice
 * {@code i} of every worker that trained, averages it and publishes the mean ({@link SliceAverage}):
 * the averaged state is then those slices, spread over the executors, and the next round's workers
 * read them all. Each worker sends and receives about 2 P (W-1)/W bytes a round for a state of P
 * bytes and W workers (reduce-scatter, then all-gather), whatever W; the driver sends each job a
 * list of block locations and receives a few numbers per task. It reads the averaged state itself
 * only when asked for {@link #network()} (after every epoch: evaluation and checkpoint), and writes
 * it only to start the workers ({@link #rewind()}, and the first round).
 *
 * <p>With {@code --averaged parameters} the rounds average the parameters only (a third of the
 * traffic): each worker keeps its own Adam moments in its replica, publishes them as blocks of its
 * own, and its next round's task is asked to run on the same executor, where it finds them in place
 * ({@link PlacedRounds}; a task that runs elsewhere reads them from there). After an epoch's last
 * round the moments are averaged too ({@link #network()}), so every epoch ends, and is checkpointed,
 * with the one complete state a resume starts from, and the next round starts every worker from it.
 *
 * <p>Failures: Spark re-runs failed tasks; every task overwrites its replica's whole state, so a
 * re-run computes what the first attempt would have. When an executor holding slices the round
 * needs is lost, the slices are gone: the round fails with {@link RoundLostException} (at once, the
 * job being cancelled when the executor is removed) and the epoch is redone from the driver's
 * network, which is the state at the epoch's start.
 */
public final class AllReduceAveraging implements Averaging {
    private static final Logger LOG = LoggerFactory.getLogger(AllReduceAveraging.class);
    private final JavaSparkContext jsc;
    private final ComputationGraph driverNet;
    private final int workers;
    private final int frequency;
    private final boolean parametersOnly;
    private final MinibatchRecorder recorder;
    private final RoundBlocks blocks;
    private final Broadcast<String> configuration;
    private final String jobGroup;
    private final Set<String> lostExecutors = ConcurrentHashMap.newKeySet();
    private final SparkListener lossWatch;
    private volatile Set<String> inputExecutors = Set.of();

    /** Sequence number of the run's next Spark job (names its blocks, see {@link RoundBlocks}). */
    private long job;
    /** The averaged state as slices on the executors; null until the workers are started from the driver. */
    private List<ByteBlocks.Ref> state;
    /**
     * With parameters only: the averaged moments as slices, which the next round's workers start from
     * (after the start and after every synchronisation); null while each worker has its own.
     */
    private List<ByteBlocks.Ref> moments;
    /** With parameters only: each worker's own moments as the slices its last fit published, and that fit's job. */
    private final Map<Integer, List<ByteBlocks.Ref>> ownMoments = new HashMap<>();
    private final Map<Integer, Long> ownMomentsJob = new HashMap<>();
    /** True when the driver's network holds the averaged state. */
    private boolean driverCurrent = true;
    private int iterations;
    private int epochs;
    private Double learningRate;
    private final RoundCosts costs = new RoundCosts();

    public AllReduceAveraging(JavaSparkContext jsc, ComputationGraph net, int workers, int frequency,
                              MinibatchRecorder recorder) {
        this(jsc, net, workers, frequency, Averaged.STATE, recorder);
    }

    public AllReduceAveraging(JavaSparkContext jsc, ComputationGraph net, int workers, int frequency, Averaged averaged,
                              MinibatchRecorder recorder) {
        this.jsc = jsc;
        this.driverNet = net;
        this.workers = workers;
        this.frequency = frequency;
        this.parametersOnly = averaged == Averaged.PARAMETERS;
        this.recorder = recorder;
        String run = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        this.blocks = new RoundBlocks(run);
        this.jobGroup = "sparkresnet-allreduce-" + run;
        this.configuration = jsc.broadcast(net.getConfiguration().toJson());
        this.iterations = net.getConfiguration().getIterationCount();
        this.epochs = net.getConfiguration().getEpochCount();
        this.lossWatch = new SparkListener() {
            @Override
            public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
                lostExecutors.add(removed.executorId());
                if (inputExecutors.contains(removed.executorId())) {
                    LOG.warn("executor {} held state the running averaging job reads ({}): cancelling the job",
                            removed.executorId(), removed.reason());
                    jsc.cancelJobGroup(jobGroup);
                }
            }
        };
        jsc.sc().addSparkListener(lossWatch);
    }

    @Override
    public void fitRound(JavaRDD<DataSet> round, double rate) {
        if (state == null) {
            startWorkers();
        }
        if (parametersOnly && moments == null && ownMoments.size() < workers) {
            synchroniseMoments(); // a worker without moments of its own starts from the mean
        }
        long fitJob = job++;
        ReplicaRound.Inputs inputs = parametersOnly
                ? new ReplicaRound.Inputs(state, true, moments, Map.copyOf(ownMoments), Map.copyOf(ownMomentsJob))
                : ReplicaRound.Inputs.wholeState(state);
        ReplicaRound fit = new ReplicaRound(blocks, fitJob, workers, configuration, inputs, rate, recorder);
        JavaRDD<DataSet> placed = parametersOnly && moments == null && !jsc.sc().isLocal()
                ? PlacedRounds.on(round, IntStream.range(0, workers).mapToObj(w -> ownMoments.get(w).get(0))
                        .collect(Collectors.toList()))
                : round;
        long t0 = System.nanoTime();
        List<ReplicaRound.Report> reports = run("fit", inputs.all(), () -> placed.mapPartitionsWithIndex(fit, true).collect());
        costs.fitJob(System.nanoTime() - t0, reports);
        // The driver's counters as dl4j-spark keeps them (saved in checkpoints; the workers start each
        // round at 0): every round counts as an epoch, and adds the averaging frequency to the
        // iterations when any worker trained.
        epochs++;
        learningRate = rate;
        List<ReplicaRound.Report> trained = reports.stream().filter(r -> r.images() > 0)
                .sorted(Comparator.comparingInt(ReplicaRound.Report::worker)).collect(Collectors.toList());
        if (trained.isEmpty()) {
            return;
        }
        iterations += frequency;
        long t1 = System.nanoTime();
        state = average(trained.stream().map(ReplicaRound.Report::slices).collect(Collectors.toList()),
                trained.stream().mapToInt(ReplicaRound.Report::worker).toArray());
        costs.averageJob(System.nanoTime() - t1);
        driverCurrent = false;
        if (parametersOnly) {
            // the moments of the workers that trained; a worker that did not (an epoch's last, partial
            // round) has none any more: its older blocks go, and it starts from the mean next time
            moments = null;
            ownMoments.clear();
            ownMomentsJob.clear();
            for (ReplicaRound.Report r : trained) {
                ownMoments.put(r.worker(), r.moments());
                ownMomentsJob.put(r.worker(), fitJob);
            }
        }
    }

    /** The mean of the contributors' slices, each slice by a task of its own; returns the means in order. */
    private List<ByteBlocks.Ref> average(List<List<ByteBlocks.Ref>> contributions, int[] contributors) {
        return average(IntStream.range(0, contributions.get(0).size())
                .mapToObj(i -> new SliceAverage.Input(i, contributions.stream().map(c -> c.get(i))
                        .collect(Collectors.toList()), contributors, i % workers))
                .collect(Collectors.toList()));
    }

    /** The mean of each input's parts, in one job (the workers' tasks); returns the means in slice order. */
    private List<ByteBlocks.Ref> average(List<SliceAverage.Input> inputs) {
        long meanJob = job++;
        List<ByteBlocks.Ref> read = inputs.stream().flatMap(in -> in.parts().stream()).collect(Collectors.toList());
        List<SliceAverage.Report> means = run("average", read,
                () -> jsc.parallelize(inputs, workers).map(new SliceAverage(blocks, meanJob, recorder.memory())).collect());
        costs.averageTasks(means);
        List<ByteBlocks.Ref> out = means.stream().sorted(Comparator.comparingInt(SliceAverage.Report::slice))
                .map(SliceAverage.Report::mean).collect(Collectors.toList());
        requireAlive(out);
        return out;
    }

    /**
     * With parameters only: the workers' own moments averaged (those of the workers that trained in
     * the last round), in one job with a copy of the averaged parameters, so that both are the output
     * of the job the next one reads (see {@link RoundBlocks}). The workers then start from them.
     */
    private void synchroniseMoments() {
        List<Integer> holders = new ArrayList<>(new TreeSet<>(ownMoments.keySet()));
        if (holders.isEmpty()) {
            throw new IllegalStateException("no worker holds moments of its own to average");
        }
        int[] contributors = holders.stream().mapToInt(Integer::intValue).toArray();
        List<SliceAverage.Input> inputs = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            inputs.add(new SliceAverage.Input(i, List.of(state.get(i)), new int[] {-1}, i));
        }
        for (int i = 0; i < workers; i++) {
            int slice = i;
            inputs.add(new SliceAverage.Input(workers + i, holders.stream().map(w -> ownMoments.get(w).get(slice))
                    .collect(Collectors.toList()), contributors, i));
        }
        List<ByteBlocks.Ref> means = average(inputs);
        state = List.copyOf(means.subList(0, workers));
        moments = List.copyOf(means.subList(workers, 2 * workers));
        ownMoments.clear();
        ownMomentsJob.clear();
    }

    /**
     * Starts the workers from the driver's network: its state is published as slices in the driver's
     * block manager, and one averaging job over that single contributor copies them to the executors
     * (each reads P/W bytes from the driver, which sends P in all, not P per worker). With parameters
     * only, the parameters and the moments each so.
     */
    private void startWorkers() {
        long publishJob = job++;
        NetworkState vector = new NetworkState(driverNet);
        long averaged = parametersOnly ? vector.parameterCount() : vector.length();
        try {
            List<ByteBlocks.Ref> driverSlices = new ArrayList<>(ReplicaRound.publish(vector, 0, averaged, workers,
                    i -> blocks.driverSlice(publishJob, i)));
            if (parametersOnly) {
                driverSlices.addAll(ReplicaRound.publish(vector, averaged, vector.length(), workers,
                        i -> blocks.driverSlice(publishJob, workers + i)));
            }
            List<ByteBlocks.Ref> means = costs.excluded(() -> average(List.of(driverSlices), new int[] {-1}));
            state = List.copyOf(means.subList(0, workers));
            moments = parametersOnly ? List.copyOf(means.subList(workers, 2 * workers)) : null;
            ownMoments.clear();
            ownMomentsJob.clear();
        } finally {
            ByteBlocks.removeLocal(name -> blocks.jobOf(name) == publishJob);
        }
    }

    @Override
    public ComputationGraph network() {
        if (!driverCurrent) {
            if (parametersOnly && moments == null) {
                synchroniseMoments();
            }
            requireAlive(state);
            try {
                NetworkState vector = new NetworkState(driverNet);
                ReplicaRound.load(vector, 0, state, -1, i -> false);
                if (parametersOnly) {
                    requireAlive(moments);
                    ReplicaRound.load(vector, vector.parameterCount(), moments, -1, i -> false);
                }
            } catch (ByteBlocks.MissingBlockException e) {
                throw new RoundLostException("gathering the averaged state failed: " + e.getMessage(), e);
            }
            driverCurrent = true;
        }
        if (learningRate != null) {
            NetworkState.setClock(driverNet, learningRate, iterations, epochs);
        }
        return driverNet;
    }

    @Override
    public void rewind() {
        state = null;
        moments = null;
        ownMoments.clear();
        ownMomentsJob.clear();
        driverCurrent = true;
        iterations = driverNet.getConfiguration().getIterationCount();
        epochs = driverNet.getConfiguration().getEpochCount();
        costs.reset();
    }

    @Override
    public String roundSummary() {
        return costs.summaryAndReset(workers);
    }

    /**
     * Runs one job of the round, failing with {@link RoundLostException} when it cannot complete or an
     * executor holding its input is gone. An out-of-memory failure is passed on as it is: a redo
     * would run out again.
     */
    private <T> List<T> run(String what, List<ByteBlocks.Ref> input, Supplier<List<T>> action) {
        requireAlive(input);
        inputExecutors = input.stream().map(ByteBlocks.Ref::executorId).collect(Collectors.toSet());
        jsc.setJobGroup(jobGroup, "all-reduce " + what + " (job " + job + ")", false);
        try {
            return action.get();
        } catch (Exception e) { // Spark's jobs throw SparkException, a checked exception Scala does not declare
            if (OutOfMemory.findIn(e) != null) {
                throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
            }
            throw new RoundLostException("the all-reduce " + what + " job failed: " + firstLine(e), e);
        } finally {
            inputExecutors = Set.of();
            jsc.clearJobGroup();
        }
    }

    private void requireAlive(List<ByteBlocks.Ref> refs) {
        for (ByteBlocks.Ref ref : refs) {
            if (lostExecutors.contains(ref.executorId())) {
                throw new RoundLostException("executor " + ref.executorId() + " was lost with block " + ref.name()
                        + " of the averaged state", null);
            }
        }
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        return m.lines().findFirst().orElse(m);
    }

    @Override
    public void close() {
        jsc.sc().removeSparkListener(lossWatch);
        String run = blocks.run();
        RoundBlocks names = blocks;
        try {
            if (!jsc.sc().isLocal() && !jsc.sc().isStopped()) {
                // best effort: one task per slot reaches every executor that trained, as rounds did
                jsc.parallelize(IntStream.range(0, workers).boxed().collect(Collectors.toList()), workers)
                        .foreach(i -> {
                            Replicas.drop(run);
                            names.sweepAll();
                            ByteBlocks.releasePool();
                        });
            }
        } catch (RuntimeException e) {
            LOG.warn("freeing the executors' replicas and blocks of run {} failed: {}", run, firstLine(e));
        }
        Replicas.drop(run); // local mode: the executor is this JVM
        if (!jsc.sc().isStopped()) {
            names.sweepAll();
            ByteBlocks.releasePool();
            configuration.destroy();
        }
    }
}
