package io.github.sparkresnet.averaging;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import scala.collection.JavaConverters;

/**
 * Which executors the run can train on, from Spark's own membership: executors added and removed
 * (listener events), and those being decommissioned (the task scheduler's state, which Spark 3.5
 * announces to no listener). The number of workers a round gets follows from it ({@link #workers}).
 * An executor that registers mid-run counts once it is prepared ({@link #preparing}): until then
 * the rounds go on without it.
 *
 * <p>Events are collected as they come and handed out at round boundaries ({@link #drain}), where
 * the caller says what they changed, one line each.
 */
public final class Membership implements AutoCloseable {
    /** An executor Spark removed, Spark's reason, and whether it left decommissioned (rather than died). */
    public record Lost(String id, String reason, boolean decommissioned) {
    }

    /** An executor that registered. */
    public record Arrival(String id) {
    }

    /** An executor that joined: its id, and how it got ready (empty: nothing to say). */
    public record Joined(String id, String howReady) {
    }

    /**
     * What changed since the last {@link #drain}: executors lost, registered (to be prepared), joined
     * (prepared: they count as workers from now on) and found being decommissioned.
     */
    public record Events(List<Lost> lost, List<Arrival> arrived, List<Joined> joined, List<String> decommissioning) {
    }

    private final SparkContext sc;
    private final int planned;
    private final int taskCpus;
    /** Executors registered and not removed, with their task slots. */
    private final Map<String, Integer> slotsOf = new LinkedHashMap<>();
    /** Executors being prepared, until their preparation completes. */
    private final Map<String, Future<String>> preparing = new LinkedHashMap<>();
    private final List<Lost> newlyLost = new ArrayList<>();
    /** Every executor removed in the run: Spark can report one removal twice. */
    private final Set<String> removedIds = new LinkedHashSet<>();
    private final List<Arrival> newlyArrived = new ArrayList<>();
    private final Set<String> decommissioning = new LinkedHashSet<>();
    private final SparkListener listener;
    /** The most task slots the run has had: fewer now means executors are missing. */
    private int peakSlots;

    /** Watches {@code sc}'s executors for a run that plans {@code planned} workers a round. */
    public Membership(SparkContext sc, int planned) {
        this.sc = sc;
        this.planned = planned;
        this.taskCpus = Math.max(1, sc.getConf().getInt("spark.task.cpus", 1));
        this.listener = new SparkListener() {
            @Override
            public void onExecutorAdded(SparkListenerExecutorAdded added) {
                synchronized (Membership.this) {
                    Integer before = slotsOf.put(added.executorId(), added.executorInfo().totalCores() / taskCpus);
                    if (before == null) { // not one of those there when the run started
                        newlyArrived.add(new Arrival(added.executorId()));
                    }
                }
            }

            @Override
            public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
                String id = removed.executorId();
                synchronized (Membership.this) {
                    if (!removedIds.add(id)) {
                        return;
                    }
                    slotsOf.remove(id);
                    preparing.remove(id);
                    newlyArrived.removeIf(a -> a.id().equals(id));
                    boolean decommissioned = decommissioning.remove(id)
                            || removedDecommissioned(removed);
                    newlyLost.add(new Lost(id, removed.reason(), decommissioned));
                }
            }
        };
        sc.addSparkListener(listener);
        if (!sc.isLocal()) {
            for (String id : JavaConverters.seqAsJavaList(sc.getExecutorIds())) {
                synchronized (this) {
                    slotsOf.putIfAbsent(id, 0); // counted through the scheduler; never prepared
                }
            }
        }
        this.peakSlots = slots();
    }

    /** Keeps executor {@code id} out of the workers until {@code ready} completes. */
    public synchronized void preparing(String id, Future<String> ready) {
        if (slotsOf.containsKey(id)) {
            preparing.put(id, ready);
        }
    }

    /** True when Spark's reason for removing an executor says it was decommissioned (rather than lost). */
    static boolean removedDecommissioned(SparkListenerExecutorRemoved removed) {
        return String.valueOf(removed.reason()).toLowerCase(Locale.ROOT).contains("decommission");
    }

    /** Task slots of the executors that take tasks now (decommissioning ones excluded) and are prepared. */
    private synchronized int slots() {
        if (sc.isLocal()) {
            return sc.defaultParallelism();
        }
        int active = sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
        for (Map.Entry<String, Future<String>> e : preparing.entrySet()) {
            if (!e.getValue().isDone()) {
                active -= slotsOf.getOrDefault(e.getKey(), 0);
            }
        }
        return Math.max(0, active);
    }

    /**
     * The workers the next round can have: the planned number while the executors have as many slots
     * as they ever had in the run; with slots missing (lost or decommissioning executors not yet
     * replaced, or replacements still being prepared), that many workers fewer. A run planned with
     * more workers than slots keeps that excess. Zero when no executor takes tasks.
     */
    public synchronized int workers() {
        int now = slots();
        peakSlots = Math.max(peakSlots, now);
        int missing = Math.max(0, Math.min(planned, peakSlots) - now);
        return Math.max(0, planned - missing);
    }

    /** What changed since the last call. */
    public synchronized Events drain() {
        List<String> nowDecommissioning = new ArrayList<>();
        if (!sc.isLocal()) {
            for (String id : slotsOf.keySet()) {
                if (sc.taskScheduler().getExecutorDecommissionState(id).isDefined() && decommissioning.add(id)) {
                    nowDecommissioning.add(id);
                }
            }
        }
        List<Joined> joined = new ArrayList<>();
        preparing.entrySet().removeIf(e -> e.getValue().isDone() && joined.add(new Joined(e.getKey(), howReady(e.getValue()))));
        Events events = new Events(List.copyOf(newlyLost), List.copyOf(newlyArrived), joined, nowDecommissioning);
        newlyLost.clear();
        newlyArrived.clear();
        return events;
    }

    private static String howReady(Future<String> ready) {
        try {
            return String.valueOf(ready.get());
        } catch (java.util.concurrent.ExecutionException e) {
            return "getting ready failed: " + e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    @Override
    public void close() {
        sc.removeSparkListener(listener);
    }
}
