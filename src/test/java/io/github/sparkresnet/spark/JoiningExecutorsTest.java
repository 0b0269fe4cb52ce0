package io.github.sparkresnet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.spark.SparkConf;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The hand-over between the driver and an executor that starts while a run trains. The executor's
 * side talks to the driver's through {@link InProcess}, a mock of Spark's plugin RPC that delivers in
 * this JVM; {@code ExecutorChaosIT} runs the real thing on a standalone cluster.
 */
class JoiningExecutorsTest {
    /** What the preparations below were given, in order. */
    static final List<Map<String, String>> PREPARED = new CopyOnWriteArrayList<>();

    /** A preparation that records what it was given. */
    public static final class Recording implements Consumer<Map<String, String>> {
        @Override
        public void accept(Map<String, String> offer) {
            PREPARED.add(offer);
        }
    }

    /** A preparation that fails. */
    public static final class Failing implements Consumer<Map<String, String>> {
        @Override
        public void accept(Map<String, String> offer) {
            throw new IllegalStateException("no memory for a replica");
        }
    }

    @AfterEach
    void clear() {
        JoiningExecutors.withdraw("run-a");
        JoiningExecutors.withdraw("run-b");
        PREPARED.clear();
    }

    @Test
    void anExecutorStartingDuringARunPreparesWhatTheDriverOffersThenIsReady() throws Exception {
        JoiningExecutors.offer(offer(Recording.class, "run-a", "network", "{json}"));
        JoiningExecutors.prepare(InProcess.of("app-1", "7"), () -> { });

        assertEquals(List.of(offer(Recording.class, "run-a", "network", "{json}")), PREPARED);
        String report = JoiningExecutors.ready("app-1", "7").get(0, TimeUnit.SECONDS);
        assertTrue(report.matches("prepared for run run-a in \\d+\\.\\d s before its first task"), report);
    }

    @Test
    void anExecutorJoinsOnceTheCopiesMadeOnItsArrivalAreMadeAndAnnouncesItselfBetween() throws Exception {
        JoiningExecutors.offer(offer(Recording.class, "run-a"));
        CompletableFuture<String> copies = new CompletableFuture<>();
        List<String> order = new CopyOnWriteArrayList<>();
        JoiningExecutors.prepare(new InProcess("app-9", "2", id -> {
            order.add("asked for executor " + id + "'s copies");
            return copies;
        }), () -> order.add("announced after " + PREPARED.size() + " preparation"));

        assertEquals(List.of("announced after 1 preparation", "asked for executor 2's copies"), order);
        CompletableFuture<String> ready = JoiningExecutors.ready("app-9", "2");
        assertFalse(ready.isDone(), "the copies made on its arrival are not made yet");
        copies.complete("3 cached blocks copied again in 2.0 s");
        String report = ready.get(5, TimeUnit.SECONDS);
        assertTrue(report.matches("prepared for run run-a in \\d+\\.\\d s before its first task; "
                + "3 cached blocks copied again in 2\\.0 s"), report);
    }

    @Test
    void anExecutorStartingWithNoRunPreparesNothingAndIsReady() throws Exception {
        JoiningExecutors.prepare(InProcess.of("app-2", "3"), () -> { });

        assertTrue(PREPARED.isEmpty(), PREPARED.toString());
        assertEquals("no run training as it started: nothing prepared",
                JoiningExecutors.ready("app-2", "3").get(0, TimeUnit.SECONDS));
    }

    @Test
    void aFailedPreparationIsReportedAndTheExecutorIsStillReady() throws Exception {
        JoiningExecutors.offer(offer(Failing.class, "run-a"));
        JoiningExecutors.prepare(InProcess.of("app-3", "4"), () -> { });

        String report = JoiningExecutors.ready("app-3", "4").get(0, TimeUnit.SECONDS);
        assertTrue(report.startsWith("preparing failed (java.lang.IllegalStateException: no memory for a replica)"),
                report);
    }

    @Test
    void executorsOfAnotherApplicationWithTheSameIdAreNotTakenForReady() throws Exception {
        JoiningExecutors.prepare(InProcess.of("app-4", "1"), () -> { });

        assertTrue(JoiningExecutors.ready("app-4", "1").isDone());
        assertFalse(JoiningExecutors.ready("app-5", "1").isDone(), "executor 1 of app-5 has not started");
        JoiningExecutors.prepare(InProcess.of("app-5", "1"), () -> { });
        assertTrue(JoiningExecutors.ready("app-5", "1").isDone());
        assertFalse(JoiningExecutors.ready("app-4", "1").isDone(), "app-4's executors are forgotten once app-5's speak");
    }

    @Test
    void anExecutorCountsAsReadyOnceItSaysSoWhereTheJobsPluginRuns() {
        SparkConf withPlugin = new SparkConf().set("spark.plugins", "other.Plugin," + Nd4jSparkPlugin.class.getName());
        assertFalse(JoiningExecutors.isReady(withPlugin, "app-8", "5"), "executor 5 is still preparing");
        JoiningExecutors.prepare(InProcess.of("app-8", "5"), () -> { });
        assertTrue(JoiningExecutors.isReady(withPlugin, "app-8", "5"));
        // a session without the plugin: no executor would ever say so, so each counts as ready
        assertTrue(JoiningExecutors.isReady(new SparkConf(), "app-8", "6"));
    }

    @Test
    void aRunWithdrawsOnlyItsOwnOffer() {
        JoiningExecutors.offer(offer(Recording.class, "run-b"));
        JoiningExecutors.withdraw("run-a"); // an earlier run ending late
        JoiningExecutors.prepare(InProcess.of("app-6", "2"), () -> { });
        JoiningExecutors.withdraw("run-b");
        JoiningExecutors.prepare(InProcess.of("app-6", "3"), () -> { });

        assertEquals(List.of(offer(Recording.class, "run-b")), PREPARED);
    }

    @Test
    void theExecutorInsideTheDriverInLocalModeAsksNothing() {
        JoiningExecutors.offer(offer(Recording.class, "run-a"));
        JoiningExecutors.prepare(InProcess.of("app-7", "driver"), () -> { });

        assertTrue(PREPARED.isEmpty(), PREPARED.toString());
        assertFalse(JoiningExecutors.ready("app-7", "driver").isDone());
    }

    private static Map<String, String> offer(Class<?> preparation, String run, String... more) {
        Map<String, String> offer = new HashMap<>();
        offer.put(JoiningExecutors.CLASS, preparation.getName());
        offer.put(JoiningExecutors.RUN, run);
        for (int i = 0; i < more.length; i += 2) {
            offer.put(more[i], more[i + 1]);
        }
        return offer;
    }

    /**
     * A mock of an executor's plugin context: its messages reach the driver's side in this JVM, where
     * {@code copiesOnArrival} stands for the copies of cached blocks made on an arriving executor.
     */
    private record InProcess(String appId, String executorID,
                             Function<String, CompletableFuture<String>> copiesOnArrival) implements PluginContext {
        static InProcess of(String appId, String executorID) {
            return new InProcess(appId, executorID, id -> null);
        }

        @Override
        public Object ask(Object message) {
            return JoiningExecutors.receive(appId, message, copiesOnArrival);
        }

        @Override
        public void send(Object message) {
            JoiningExecutors.receive(appId, message, copiesOnArrival);
        }

        @Override
        public MetricRegistry metricRegistry() {
            return new MetricRegistry();
        }

        @Override
        public SparkConf conf() {
            return new SparkConf(false);
        }

        @Override
        public String hostname() {
            return "127.0.0.1";
        }

        @Override
        public Map<String, ResourceInformation> resources() {
            return Map.of();
        }
    }
}
