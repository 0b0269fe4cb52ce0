package io.github.sparkresnet.spark;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.PluginContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.JavaConverters;

/**
 * What an executor that starts while a run trains does before it takes any task: it asks the driver
 * (through {@link Nd4jSparkPlugin}'s RPC, Spark's own) what the run wants prepared, prepares it, and
 * tells the driver it is ready. Spark offers an executor tasks only once its plugins have started, so
 * a replacement never takes a round's task cold, and the run counts it as a worker once it is ready
 * ({@link #ready}).
 *
 * <p>The preparation is a class (on the job's class path) implementing
 * {@code Consumer<Map<String, String>>}, named in the map the driver offers ({@link #offer}) and
 * given that map: the plugin, below the training packages, runs it without importing them.
 * Messages are JDK maps and strings, which any class loader on either side reads.
 */
public final class JoiningExecutors {
    private static final Logger LOG = LoggerFactory.getLogger(JoiningExecutors.class);
    /** The executor's question; the driver's answer is the map offered, empty when none is. */
    static final String WHAT_TO_PREPARE = "sparkresnet: what should a starting executor prepare?";
    /** Keys of the offered map and of the executor's ready message. */
    public static final String CLASS = "class";
    public static final String RUN = "run";
    private static final String READY = "sparkresnet: executor ready";
    private static final String EXECUTOR = "executor";
    private static final String REPORT = "report";
    /**
     * How long a ready executor's joining waits for the copies of cached blocks made on it as it
     * arrived: received during its first round, they held that round up (their bytes copied, and the
     * network code compiled, on the executor's CPU while it fits).
     */
    static final int COPIES_WAIT_SECONDS = 30;

    private static volatile Map<String, String> offered = Map.of();
    private static final Map<String, CompletableFuture<String>> READY_EXECUTORS = new ConcurrentHashMap<>();

    private JoiningExecutors() {
    }

    /**
     * Driver: executors starting from now on prepare {@code preparation} (its {@link #CLASS} run with
     * the whole map; {@link #RUN} names the run, for {@link #withdraw}).
     */
    public static synchronized void offer(Map<String, String> preparation) {
        if (!preparation.containsKey(CLASS) || !preparation.containsKey(RUN)) {
            throw new IllegalArgumentException("a preparation names its class and run: " + preparation.keySet());
        }
        offered = Map.copyOf(preparation);
    }

    /** Driver: run {@code run} has ended; executors starting from now on prepare nothing for it. */
    public static synchronized void withdraw(String run) {
        if (run.equals(offered.get(RUN))) {
            offered = Map.of();
        }
    }

    /**
     * Driver: completes, with the executor's one-line report of what it prepared, once executor
     * {@code executorId} of application {@code appId} has started and is ready for tasks (at once if
     * it already is). The application keeps executors of earlier Spark contexts in this JVM apart.
     */
    public static CompletableFuture<String> ready(String appId, String executorId) {
        return READY_EXECUTORS.computeIfAbsent(appId + "/" + executorId, id -> new CompletableFuture<>());
    }

    /**
     * Driver: how many of {@code sc}'s executors have said they are ready; all of them where this
     * job's plugin does not run (a session the job did not configure), as none would say so.
     */
    public static int readyExecutors(SparkContext sc) {
        SparkConf conf = sc.getConf(); // a copy: taken once
        String app = sc.applicationId();
        return (int) JavaConverters.seqAsJavaList(sc.getExecutorIds()).stream()
                .filter(id -> isReady(conf, app, id)).count();
    }

    /** Driver: whether executor {@code executorId} of application {@code appId}, run with {@code conf}, is ready. */
    static boolean isReady(SparkConf conf, String appId, String executorId) {
        return !conf.get("spark.plugins", "").contains(Nd4jSparkPlugin.class.getName())
                || ready(appId, executorId).isDone();
    }

    /**
     * Driver plugin of application {@code appId}: answers an executor's question, or records that it is
     * ready: at once, or, when {@code copiesOnArrival} gives the copies of cached blocks being made on
     * it since it arrived, once they are made (at most {@link #COPIES_WAIT_SECONDS}).
     */
    static Object receive(String appId, Object message, Function<String, CompletableFuture<String>> copiesOnArrival) {
        if (WHAT_TO_PREPARE.equals(message)) {
            return new HashMap<>(offered);
        }
        if (message instanceof Map<?, ?> map && READY.equals(map.get(READY))) {
            // a driver JVM outlives its Spark contexts (notebooks): what earlier ones' executors said goes
            READY_EXECUTORS.keySet().removeIf(key -> !key.startsWith(appId + "/"));
            String executor = String.valueOf(map.get(EXECUTOR));
            String report = String.valueOf(map.get(REPORT));
            CompletableFuture<String> ready = ready(appId, executor);
            CompletableFuture<String> copies = copiesOnArrival.apply(executor);
            if (copies == null) {
                ready.complete(report);
            } else {
                copies.copy().completeOnTimeout("its copies of cached blocks not all made within "
                                + COPIES_WAIT_SECONDS + " s", COPIES_WAIT_SECONDS, TimeUnit.SECONDS)
                        .whenComplete((copied, e) -> ready.complete(copied == null || copied.isEmpty()
                                ? report : report + "; " + copied));
            }
        }
        return null;
    }

    /**
     * Executor plugin, as the executor starts: prepares what the driver offers, runs
     * {@code beforeReady} (announcing its arrival, whose copies the driver then waits for), then says it is
     * ready. A failed preparation is reported, never fatal: the executor then builds what it needs in
     * its first task, as it would without this.
     */
    static void prepare(PluginContext ctx, Runnable beforeReady) {
        if ("driver".equals(ctx.executorID())) { // Spark's id of the executor in local mode
            return; // local mode: the executor is the driver's JVM, there from the start
        }
        String report;
        long t0 = System.nanoTime();
        try {
            Object answer = ctx.ask(WHAT_TO_PREPARE);
            if (answer instanceof Map<?, ?> map && map.get(CLASS) != null) {
                Map<String, String> preparation = new HashMap<>();
                map.forEach((k, v) -> preparation.put(String.valueOf(k), String.valueOf(v)));
                run(preparation);
                report = String.format(Locale.ROOT, "prepared for run %s in %.1f s before its first task",
                        preparation.get(RUN), (System.nanoTime() - t0) / 1e9);
            } else {
                report = "no run training as it started: nothing prepared";
            }
        } catch (Exception | LinkageError e) {
            report = "preparing failed (" + e + "): its first task builds what it needs";
        }
        LOG.info("executor {}: {}", ctx.executorID(), report);
        beforeReady.run();
        Map<String, String> ready = new HashMap<>();
        ready.put(READY, READY);
        ready.put(EXECUTOR, ctx.executorID());
        ready.put(REPORT, report);
        try {
            ctx.send(ready);
        } catch (Exception e) {
            LOG.warn("executor {}: telling the driver it is ready failed: {}", ctx.executorID(), e.toString());
        }
    }

    @SuppressWarnings("unchecked")
    private static void run(Map<String, String> preparation) throws ReflectiveOperationException {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        Class<?> type = Class.forName(preparation.get(CLASS), true,
                loader != null ? loader : JoiningExecutors.class.getClassLoader());
        ((Consumer<Map<String, String>>) type.getConstructor().newInstance()).accept(preparation);
    }
}
