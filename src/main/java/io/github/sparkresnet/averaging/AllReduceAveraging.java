package io.github.sparkresnet.averaging;

import io.github.sparkresnet.OutOfMemory;
import io.github.sparkresnet.model.NetworkState;
import io.github.sparkresnet.spark.ByteBlocks;
import io.github.sparkresnet.spark.JoiningExecutors;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.JavaConverters;

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
 * read them all. A round with one worker (after a loss, or a run of one) is one job: the mean of one
 * state is that state, so its worker publishes copies of its state as the mean itself. Each worker
 * sends and receives about 2 P (W-1)/W bytes a round for a state of P bytes and W workers
 * (reduce-scatter, then all-gather), whatever W; the driver sends each job a
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
 * re-run computes what the first attempt would have. The averaged state outlives any one executor:
 * each mean slice is stored with a copy on another executor (Spark's block replication,
 * {@value #STATE_COPIES}; none in local mode or with one executor). When an executor is lost during
 * a round, the round's jobs are cancelled and the round fails with {@link RoundFailedException}:
 * the state it started from is still readable, nothing of the round counts, and the caller fits its
 * minibatches again with the workers there are then. Only when every holder of one of the state's
 * slices is lost (two executors within a round, or the one executor) is the state gone:
 * {@link RoundLostException}, and the workers start again from the recovery point, the driver's
 * network ({@link #rewind()}): the state at the epoch's start, or a copy the driver took during the
 * epoch while a slice had one holder; the rounds since are fitted again. With
 * {@code --averaged parameters} each worker's own moments live in its replica only, so any failed
 * round loses them the same way.
 */
public final class AllReduceAveraging implements Averaging {
    private static final Logger LOG = LoggerFactory.getLogger(AllReduceAveraging.class);

    /**
     * Spark setting: how many executors hold each slice of the averaged state (the writer and
     * copies), at most as many as there are. Default 2: the state outlives any one executor's loss,
     * so a loss costs a round. 1: no copies, and a loss costs the epoch.
     */
    public static final String STATE_COPIES = "spark.sparkresnet.stateCopies";
    /**
     * Spark setting: while a slice of the averaged state has one holder left, the share of the time
     * the driver may spend taking copies of the state (default 0.1): it takes one when the rounds since
     * its last took at least 1/share times as long as that copy. A larger share copies more often, so
     * losing the last holder costs fewer rounds; 0 takes none, so the epoch's start is the recovery
     * point; above 1 counts as 1.
     */
    public static final String DRIVER_COPY_SHARE = "spark.sparkresnet.driverCopyShare";
    /**
     * How long an executor that registered may take to say it is ready before it joins regardless:
     * an executor starts in seconds (the job jar fetched, the backend loaded, a replica built and run
     * once), and Spark already gives up on one that does not register within its network timeout.
     */
    static final int READY_WAIT_SECONDS = 120;
    /** The minibatch a joining executor's preparation fits when the caller does not say the run's size. */
    private static final int UNSAID_MINIBATCH = 2;
    /** The job property Spark sets to the job group (SparkContext.SPARK_JOB_GROUP_ID). */
    private static final String JOB_GROUP = "spark.jobGroup.id";
    private final JavaSparkContext jsc;
    private final ComputationGraph driverNet;
    private final int workers;
    private final int frequency;
    private final boolean parametersOnly;
    private final MinibatchRecorder recorder;
    private final RoundBlocks blocks;
    private final Broadcast<String> configuration;
    private final String jobGroup;
    private final int stateCopies;
    private final double driverCopyShare;
    private final Set<String> lostExecutors = ConcurrentHashMap.newKeySet();
    private final SparkListener lossWatch;
    /**
     * While a job runs: the blocks it reads, its stages and the executors its tasks were started on,
     * and the executors lost meanwhile.
     */
    private volatile List<ByteBlocks.Ref> inputs = List.of();
    private final Set<Integer> jobStages = ConcurrentHashMap.newKeySet();
    private final Set<String> taskExecutors = ConcurrentHashMap.newKeySet();
    private volatile boolean jobRunning;
    private final Set<String> lostDuringJob = ConcurrentHashMap.newKeySet();
    /** Executors seen being decommissioned (Spark forgets that once they are gone). */
    private final Set<String> leaving = ConcurrentHashMap.newKeySet();
    /** The most executors the run has had, and whether the driver keeps a copy of the state for now. */
    private int peakExecutors;
    private boolean driverKeepsCopy;

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
    /**
     * The recovery point is the driver's network: the rounds completed since it last read the state,
     * what the workers had recorded then (taken as the first round after it starts), when it read it
     * and how long that took.
     */
    private int roundsSinceDriverCopy;
    private MinibatchRecorder.Mark recordedAtDriverCopy;
    private long driverCopyAt = System.nanoTime();
    private long driverCopyNanos;
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
        this(jsc, net, workers, frequency, averaged, UNSAID_MINIBATCH, recorder);
    }

    /**
     * As {@link #AllReduceAveraging(JavaSparkContext, ComputationGraph, int, int, Averaged, MinibatchRecorder)},
     * for workers that fit minibatches of {@code minibatch} images: an executor that joins mid-run
     * runs its network on one of that size as it prepares.
     */
    public AllReduceAveraging(JavaSparkContext jsc, ComputationGraph net, int workers, int frequency, Averaged averaged,
                              int minibatch, MinibatchRecorder recorder) {
        this.jsc = jsc;
        this.driverNet = net;
        this.workers = workers;
        this.frequency = frequency;
        this.parametersOnly = averaged == Averaged.PARAMETERS;
        this.recorder = recorder;
        String run = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        this.blocks = new RoundBlocks(run);
        this.jobGroup = "sparkresnet-allreduce-" + run;
        String json = net.getConfiguration().toJson();
        this.configuration = jsc.broadcast(json);
        if (!jsc.sc().isLocal()) {
            JoiningExecutors.offer(JoinPreparation.offer(run, json, minibatch, workers, parametersOnly));
        }
        this.iterations = net.getConfiguration().getIterationCount();
        this.epochs = net.getConfiguration().getEpochCount();
        this.stateCopies = jsc.getConf().getInt(STATE_COPIES, 2);
        this.driverCopyShare = Math.min(1, jsc.getConf().getDouble(DRIVER_COPY_SHARE, 0.1));
        this.lossWatch = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart start) {
                if (start.properties() != null && jobGroup.equals(start.properties().getProperty(JOB_GROUP))) {
                    JavaConverters.seqAsJavaList(start.stageIds()).forEach(id -> jobStages.add((Integer) id));
                }
            }

            @Override
            public void onTaskStart(SparkListenerTaskStart task) {
                if (jobStages.contains(task.stageId())) {
                    taskExecutors.add(task.taskInfo().executorId());
                }
            }

            @Override
            public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
                String id = removed.executorId();
                if (!lostExecutors.add(id)) {
                    return; // Spark can report one removal twice
                }
                // The job misses an executor that ran one of its tasks, or held the last copy of a
                // block it reads (its tasks read the others' copies otherwise); not one being prepared
                // to join, say. A decommissioned executor ran none of them when it left (Spark offers
                // it none and it waits for its last to end).
                boolean decommissioned = leaving.contains(id) || Membership.removedDecommissioned(removed);
                boolean lastCopyGone = inputs.stream().anyMatch(ref -> ref.holders().contains(id)
                        && ref.without(lostExecutors) == null);
                if (jobRunning && (lastCopyGone || (!decommissioned && taskExecutors.contains(id)))) {
                    lostDuringJob.add(id);
                    LOG.debug("executor {} lost during a round ({}): cancelling the round's job", id, removed.reason());
                    jsc.cancelJobGroup(jobGroup);
                }
            }
        };
        jsc.sc().addSparkListener(lossWatch);
    }

    @Override
    public void fitRound(JavaRDD<DataSet> round, double rate) {
        if (state != null && driverCurrent && !readable(state)) {
            state = null; // lost, but the driver holds the same state
        }
        if (state == null) {
            startWorkers();
        }
        state = readable(state, "the averaged state");
        keepCopyOnDriverWhileOneHolderIsLeft();
        if (recordedAtDriverCopy == null) {
            recordedAtDriverCopy = recorder.mark();
        }
        if (parametersOnly) {
            if (moments != null) {
                moments = readable(moments, "the averaged moments");
            }
            for (Map.Entry<Integer, List<ByteBlocks.Ref>> own : ownMoments.entrySet()) {
                own.setValue(readable(own.getValue(), "worker " + own.getKey() + "'s own moments"));
            }
            int n = round.getNumPartitions();
            if (moments == null && !IntStream.range(0, n).allMatch(ownMoments::containsKey)) {
                synchroniseMoments(); // a worker without moments of its own starts from the mean
            }
        }
        MinibatchRecorder.Mark mark = recorder.mark();
        try {
            fit(round, rate);
        } catch (RoundFailedException | RoundLostException e) {
            recorder.rollBack(mark);
            if (parametersOnly) {
                throw e instanceof RoundLostException lost ? lost : new RoundLostException(e.getMessage()
                        + "; the workers' own moments were in the round's replicas", e);
            }
            if (driverCurrent && (e instanceof RoundLostException || !readable(state))) {
                state = null; // the driver holds the same state: the next try starts the workers from it
                throw e instanceof RoundFailedException failed ? failed
                        : new RoundFailedException(e.getMessage(), e, RoundFailedException.lostIn(e));
            }
            if (e instanceof RoundLostException lost) {
                throw lost;
            }
            state = readable(state, "the averaged state");
            throw (RoundFailedException) e;
        }
    }

    /**
     * The round's two jobs, from the averaged state: fit, then average what the workers trained. The
     * state is always cut into as many slices as the run plans workers, whatever workers the round has.
     */
    private void fit(JavaRDD<DataSet> round, double rate) {
        int n = round.getNumPartitions();
        long fitJob = job++;
        ReplicaRound.Inputs inputs = parametersOnly
                ? new ReplicaRound.Inputs(state, true, moments, Map.copyOf(ownMoments), Map.copyOf(ownMomentsJob))
                : ReplicaRound.Inputs.wholeState(state);
        // a round's only worker publishes the mean itself: the mean of one state is that state
        boolean alone = n == 1 && !parametersOnly;
        ReplicaRound fit = new ReplicaRound(blocks, fitJob, workers, configuration, inputs, rate, recorder,
                alone ? copies() : 0);
        JavaRDD<DataSet> placed = parametersOnly && moments == null && !jsc.sc().isLocal()
                ? PlacedRounds.on(round, IntStream.range(0, n).mapToObj(w -> ownMoments.get(w).get(0))
                        .collect(Collectors.toList()))
                : round;
        long t0 = System.nanoTime();
        List<ReplicaRound.Report> reports = run("fit", fitJob, inputs.all(), () -> placed.mapPartitionsWithIndex(fit, true).collect());
        costs.fitJob(System.nanoTime() - t0, reports);
        List<ReplicaRound.Report> trained = reports.stream().filter(r -> r.images() > 0)
                .sorted(Comparator.comparingInt(ReplicaRound.Report::worker)).collect(Collectors.toList());
        if (!trained.isEmpty()) {
            if (alone) {
                state = trained.get(0).slices();
                costs.meanPublishedByFit();
            } else {
                state = averageOf(trained, blocks.oldestRead(inputs.all()), fitJob);
            }
            driverCurrent = false;
            iterations += frequency;
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
        // The driver's counters as dl4j-spark keeps them (saved in checkpoints; the workers start each
        // round at 0): every round counts as an epoch, and adds the averaging frequency to the
        // iterations when any worker trained.
        epochs++;
        learningRate = rate;
        roundsSinceDriverCopy++;
    }

    /**
     * The averaging job of fit job {@code fitJob}, whose workers {@code trained} started from the state
     * of job {@code startedFrom}: the mean slices.
     */
    private List<ByteBlocks.Ref> averageOf(List<ReplicaRound.Report> trained, long startedFrom, long fitJob) {
        long t0 = System.nanoTime();
        // With copies, the state the round started from stays until the next round: a round that fails
        // while it is averaged is fitted again from it. Without, it goes as before, and such a
        // failure loses it.
        int copies = copies();
        boolean keep = copies > 1 && !parametersOnly;
        try {
            List<ByteBlocks.Ref> mean = average(trained.stream().map(ReplicaRound.Report::slices)
                            .collect(Collectors.toList()), trained.stream().mapToInt(ReplicaRound.Report::worker).toArray(),
                    keep ? startedFrom : fitJob, fitJob, copies);
            costs.averageJob(System.nanoTime() - t0);
            return mean;
        } catch (RoundFailedException e) {
            if (!keep) {
                throw new RoundLostException(e.getMessage() + "; the state the round started from was not kept "
                        + "(it has no copies)", e);
            }
            throw e;
        }
    }

    /**
     * {@code refs} as held by executors still there, preferring those not being decommissioned; a
     * {@link RoundLostException} when every holder of one of them is gone.
     */
    private List<ByteBlocks.Ref> readable(List<ByteBlocks.Ref> refs, String what) {
        Set<String> lost = Set.copyOf(lostExecutors);
        List<ByteBlocks.Ref> out = new ArrayList<>(refs.size());
        for (ByteBlocks.Ref ref : refs) {
            ByteBlocks.Ref alive = ref.without(lost);
            if (alive == null) {
                throw new RoundLostException("executor " + String.join(" and ", ref.holders()) + " was lost with block "
                        + ref.name() + " of " + what + (ref.copies().isEmpty() ? " (no copy elsewhere)" : ""), null,
                        Set.copyOf(ref.holders()));
            }
            Set<String> leaving = alive.holders().stream().filter(this::decommissioned).collect(Collectors.toSet());
            ByteBlocks.Ref staying = leaving.isEmpty() ? alive : alive.without(leaving);
            out.add(staying == null ? alive : staying);
        }
        return out;
    }

    /**
     * When executors were lost and a slice of the averaged state has one holder left (no executor to
     * hold a copy yet, or the copy died with the other), the driver reads the state into its network
     * every few rounds ({@value #DRIVER_COPY_SHARE}), as at an epoch's end: if that holder goes too,
     * the workers start again from the driver's copy and the rounds since are fitted again, instead of
     * the epoch. Ends when copies are back; never on a cluster that never had two executors.
     */
    private void keepCopyOnDriverWhileOneHolderIsLeft() {
        if (parametersOnly || stateCopies <= 1 || jsc.sc().isLocal()) {
            return;
        }
        peakExecutors = Math.max(peakExecutors, jsc.sc().getExecutorIds().size());
        boolean oneHolder = state.stream().anyMatch(ref -> ref.holders().size() < 2);
        if (!oneHolder || peakExecutors < 2) {
            if (driverKeepsCopy) {
                LOG.info("the averaged state has copies on the executors again: the driver stops keeping one");
                driverKeepsCopy = false;
            }
            return;
        }
        if (!driverKeepsCopy) {
            if (driverCopyShare > 0) {
                LOG.info("slices of the averaged state have one holder left: the driver copies the state every few "
                        + "rounds (at most {}% of the time) until executors hold two", Math.round(100 * driverCopyShare));
            } else {
                LOG.info("slices of the averaged state have one holder left, and the driver takes no copies ({}=0): "
                        + "losing that holder costs the epoch", DRIVER_COPY_SHARE);
            }
            driverKeepsCopy = true;
        }
        if (!driverCurrent && driverCopyShare > 0
                && System.nanoTime() - driverCopyAt >= driverCopyNanos / driverCopyShare) {
            network();
            costs.driverCopy(driverCopyNanos);
        }
    }

    /** True when every block of {@code refs} is still held by an executor that is there. */
    private boolean readable(List<ByteBlocks.Ref> refs) {
        Set<String> lost = Set.copyOf(lostExecutors);
        return refs.stream().allMatch(ref -> ref.without(lost) != null);
    }

    /** True when Spark is decommissioning executor {@code id}. */
    private boolean decommissioned(String id) {
        if (jsc.sc().isLocal() || !jsc.sc().taskScheduler().getExecutorDecommissionState(id).isDefined()) {
            return false;
        }
        leaving.add(id);
        return true;
    }

    /**
     * How many executors each mean slice goes to: {@value #STATE_COPIES}, at most the executors there
     * are that are ready; one with {@code --averaged parameters}. A replacement still building its
     * network is not sent copies (Spark's replication would pick it, the only peer on two executors,
     * and the round would wait for its busy CPU: measured in the chaos bench); until it is ready the
     * driver's copies cover the state ({@link #keepCopyOnDriverWhileOneHolderIsLeft}).
     */
    private int copies() {
        // with parameters only a failed round loses the workers' own moments anyway: copies buy nothing
        if (stateCopies <= 1 || jsc.sc().isLocal() || parametersOnly) {
            return 1;
        }
        return Math.max(1, Math.min(stateCopies, JoiningExecutors.readyExecutors(jsc.sc())));
    }

    /**
     * The mean of the contributors' slices, each slice by a task of its own, each stored with
     * {@code copies - 1} copies elsewhere; the tasks keep the blocks of job {@code keep} and from job
     * {@code liveFrom} on ({@link RoundBlocks#sweep}). Returns the means in order.
     */
    private List<ByteBlocks.Ref> average(List<List<ByteBlocks.Ref>> contributions, int[] contributors, long keep,
                                         long liveFrom, int copies) {
        int slices = contributions.get(0).size();
        return average(IntStream.range(0, slices)
                .mapToObj(i -> new SliceAverage.Input(i, contributions.stream().map(c -> c.get(i))
                        .collect(Collectors.toList()), contributors, i % slices))
                .collect(Collectors.toList()), slices, keep, liveFrom, copies);
    }

    /**
     * The mean of each input's parts, in one job of {@code tasks} tasks, as {@link #average(List, int[],
     * long, long, int)}; returns the means in slice order.
     */
    private List<ByteBlocks.Ref> average(List<SliceAverage.Input> inputs, int tasks, long keep, long liveFrom,
                                         int copies) {
        long meanJob = job++;
        List<ByteBlocks.Ref> read = inputs.stream().flatMap(in -> in.parts().stream()).collect(Collectors.toList());
        SliceAverage averageTask = new SliceAverage(blocks, meanJob, keep, liveFrom, copies, recorder.memory());
        List<SliceAverage.Report> means = run("average", meanJob, read,
                () -> jsc.parallelize(inputs, tasks).map(averageTask).collect());
        costs.averageTasks(means);
        return means.stream().sorted(Comparator.comparingInt(SliceAverage.Report::slice))
                .map(SliceAverage.Report::mean).collect(Collectors.toList());
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
        int slices = state.size();
        int momentSlices = ownMoments.get(holders.get(0)).size();
        List<SliceAverage.Input> inputs = new ArrayList<>();
        for (int i = 0; i < slices; i++) {
            inputs.add(new SliceAverage.Input(i, List.of(state.get(i)), new int[] {-1}, i));
        }
        for (int i = 0; i < momentSlices; i++) {
            int slice = i;
            inputs.add(new SliceAverage.Input(slices + i, holders.stream().map(w -> ownMoments.get(w).get(slice))
                    .collect(Collectors.toList()), contributors, i));
        }
        long stateJob = blocks.oldestRead(state);
        List<ByteBlocks.Ref> means = average(inputs, slices, stateJob, job, copies());
        state = List.copyOf(means.subList(0, slices));
        moments = List.copyOf(means.subList(slices, slices + momentSlices));
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
        int slices = workers;
        long publishJob = job++;
        NetworkState vector = new NetworkState(driverNet);
        long averaged = parametersOnly ? vector.parameterCount() : vector.length();
        try {
            List<ByteBlocks.Ref> driverSlices = new ArrayList<>(ReplicaRound.publish(vector, 0, averaged, slices,
                    i -> blocks.driverSlice(publishJob, i)));
            if (parametersOnly) {
                driverSlices.addAll(ReplicaRound.publish(vector, averaged, vector.length(), slices,
                        i -> blocks.driverSlice(publishJob, slices + i)));
            }
            List<ByteBlocks.Ref> means = costs.excluded(() -> average(List.of(driverSlices), new int[] {-1}, publishJob,
                    publishJob + 1, copies()));
            state = List.copyOf(means.subList(0, slices));
            moments = parametersOnly ? List.copyOf(means.subList(slices, 2 * slices)) : null;
            ownMoments.clear();
            ownMomentsJob.clear();
        } finally {
            ByteBlocks.removeLocal(name -> blocks.jobOf(name) == publishJob);
        }
    }

    /**
     * An executor that starts during the run builds and runs a replica as it starts, before Spark
     * offers it any task ({@link JoinPreparation}); it is ready once it says so. Bounded: an executor
     * that never says so joins after {@link #READY_WAIT_SECONDS} and builds its replica in its first
     * task.
     */
    @Override
    public Future<String> prepare(String executorId) {
        if (jsc.sc().isLocal()) {
            return CompletableFuture.completedFuture("");
        }
        return JoiningExecutors.ready(jsc.sc().applicationId(), executorId)
                .completeOnTimeout("not ready after " + READY_WAIT_SECONDS + " s: joins unprepared",
                        READY_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Override
    public ComputationGraph network() {
        if (!driverCurrent) {
            long t0 = System.nanoTime();
            state = readable(state, "the averaged state");
            if (parametersOnly && moments == null) {
                for (Map.Entry<Integer, List<ByteBlocks.Ref>> own : ownMoments.entrySet()) {
                    own.setValue(readable(own.getValue(), "worker " + own.getKey() + "'s own moments"));
                }
                try {
                    synchroniseMoments();
                } catch (RoundFailedException e) {
                    throw new RoundLostException(e.getMessage() + "; averaging the workers' own moments failed", e);
                }
            }
            try {
                NetworkState vector = new NetworkState(driverNet);
                ReplicaRound.load(vector, 0, state, -1, i -> false);
                if (parametersOnly) {
                    moments = readable(moments, "the averaged moments");
                    ReplicaRound.load(vector, vector.parameterCount(), moments, -1, i -> false);
                }
            } catch (ByteBlocks.MissingBlockException e) {
                throw new RoundLostException("gathering the averaged state failed: " + e.getMessage(), e);
            }
            driverCurrent = true;
            driverCopyAt = System.nanoTime();
            driverCopyNanos = driverCopyAt - t0;
        }
        if (learningRate != null) {
            NetworkState.setClock(driverNet, learningRate, iterations, epochs);
        }
        roundsSinceDriverCopy = 0;
        recordedAtDriverCopy = null;
        return driverNet;
    }

    @Override
    public int rewind() {
        int lost = roundsSinceDriverCopy;
        if (recordedAtDriverCopy != null) {
            recorder.rollBack(recordedAtDriverCopy);
        }
        roundsSinceDriverCopy = 0;
        recordedAtDriverCopy = null;
        state = null;
        moments = null;
        ownMoments.clear();
        ownMomentsJob.clear();
        driverCurrent = true;
        iterations = driverNet.getConfiguration().getIterationCount();
        epochs = driverNet.getConfiguration().getEpochCount();
        costs.reset();
        return lost;
    }

    @Override
    public String roundSummary() {
        return costs.summaryAndReset(workers);
    }

    /**
     * Runs one job of the round, failing with {@link RoundFailedException} when it cannot complete: an
     * executor it needs is lost (before it starts, or meanwhile, when the job is cancelled at once),
     * or its tasks fail beyond Spark's retries. An out-of-memory failure is passed on as it is: a
     * redo would run out again.
     */
    private <T> List<T> run(String what, long number, List<ByteBlocks.Ref> input, Supplier<List<T>> action) {
        lostDuringJob.clear();
        jobStages.clear();
        taskExecutors.clear();
        inputs = List.copyOf(input);
        jobRunning = true;
        // interrupted when cancelled: a task waiting for a lost executor's block frees its slot at once
        jsc.setJobGroup(jobGroup, "all-reduce " + what + " (job " + number + ")", true);
        try {
            for (ByteBlocks.Ref ref : input) {
                if (ref.without(lostExecutors) == null) {
                    throw new RoundFailedException("executor " + ref.executorId() + " was lost with block " + ref.name()
                            + " that the " + what + " job reads", null, Set.copyOf(ref.holders()));
                }
            }
            return action.get();
        } catch (RoundFailedException e) {
            throw e;
        } catch (Exception e) { // Spark's jobs throw SparkException, a checked exception Scala does not declare
            if (OutOfMemory.findIn(e) != null) {
                throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
            }
            String cause = lostDuringJob.isEmpty() ? firstLine(e)
                    : "executor " + String.join(" and ", new TreeSet<>(lostDuringJob)) + " was lost";
            throw new RoundFailedException("the all-reduce " + what + " job failed: " + cause, e, Set.copyOf(lostDuringJob));
        } finally {
            jobRunning = false;
            inputs = List.of();
            jsc.clearJobGroup();
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
        JoiningExecutors.withdraw(run);
        RoundBlocks names = blocks;
        if (!jsc.sc().isLocal() && !jsc.sc().isStopped() && !jsc.sc().getExecutorIds().isEmpty()) {
            // best effort: one task per slot reaches every executor that trained, as rounds did; bounded,
            // as executors may have gone meanwhile
            Future<?> freed = jsc.parallelize(IntStream.range(0, workers).boxed().collect(Collectors.toList()), workers)
                    .foreachAsync(i -> {
                        Replicas.drop(run);
                        names.sweepAll();
                        ByteBlocks.releasePool();
                    });
            try {
                freed.get(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                freed.cancel(true);
                LOG.warn("freeing the executors' replicas and blocks of run {} failed: {}", run, firstLine(e));
            } catch (InterruptedException e) {
                freed.cancel(true);
                Thread.currentThread().interrupt();
            }
        }
        Replicas.drop(run); // local mode: the executor is this JVM
        if (!jsc.sc().isStopped()) {
            names.sweepAll();
            ByteBlocks.releasePool();
            configuration.destroy();
        }
    }
}
