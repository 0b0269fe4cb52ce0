package io.github.sparkresnet.spark;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.rpc.RpcEndpointRef;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManagerId;
import org.apache.spark.storage.BlockManagerMaster;
import org.apache.spark.storage.BlockManagerMessages;
import org.apache.spark.storage.RDDBlockId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;
import scala.collection.JavaConverters;
import scala.collection.Seq;
import scala.concurrent.Await;
import scala.concurrent.Future;
import scala.concurrent.duration.FiniteDuration;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Gives cached RDD blocks back the copies an executor's loss took, when an executor arrives. A block
 * cached with two copies (a {@code _2} storage level: the job's rows on a cluster) outlives one
 * executor; after the loss its one remaining copy is all there is, and Spark makes a new one only at
 * the loss ({@code spark.storage.replication.proactive}), onto an executor there is then.
 * On two executors there is none, so without this a second loss, of the survivor, takes the blocks
 * for good, however long the replacement has been there, and whatever needs them is computed again
 * from storage. When an executor arrives, the holder of each such block is asked to copy it the way
 * Spark's proactive replication does ({@code ReplicateBlock} to the holder's storage endpoint: the
 * holder picks the peer, the copy is reported to the master).
 *
 * <p>The arrival is the executor's plugin having started ({@link #announce}, through {@link Nd4jSparkPlugin}'s
 * RPC), not the block manager's registration, which comes earlier: until the executor has the
 * application's jars, it cannot read what a peer sends it (the block's metadata names the job's Kryo
 * registrator). It announces itself once it has prepared what a training run offers
 * ({@link JoiningExecutors}): copies received meanwhile slowed that preparation (measured in the
 * chaos bench), and the run trains with a worker fewer until it ends. It joins the run once these
 * copies are made ({@link #copiesOnArrival}): received during its first round, they held that round
 * up (the bytes, and the network code's compilation, on the executor's one CPU). The driver side runs
 * on a thread of its own.
 */
public final class CopyRestorer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CopyRestorer.class);
    private static final FiniteDuration WAIT = FiniteDuration.apply(120, TimeUnit.SECONDS);
    /** The executor's message: {@link #ARRIVED} under this key, and its id under {@link #EXECUTOR}. */
    private static final String ARRIVED = "sparkresnet: executor arrived";
    private static final String EXECUTOR = "executor";

    private final SparkContext sc;
    /** Per executor that announced its arrival: done once its copies are made, with what was copied. */
    private final Map<String, CompletableFuture<String>> restored = new ConcurrentHashMap<>();
    private final ExecutorService copier = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sparkresnet-copy-restorer");
        t.setDaemon(true);
        return t;
    });

    /** Driver: restores copies as executors arrive (local mode has no other block manager: nothing to do there). */
    CopyRestorer(SparkContext sc) {
        this.sc = sc;
    }

    /** Executor plugin, as the executor starts (after its preparation): tells the driver it has arrived. */
    static void announce(PluginContext ctx) {
        if ("driver".equals(ctx.executorID())) { // local mode
            return;
        }
        try {
            ctx.send(Map.of(ARRIVED, ARRIVED, EXECUTOR, ctx.executorID()));
        } catch (Exception e) {
            LOG.warn("executor {}: telling the driver it arrived failed: {}", ctx.executorID(), e.toString());
        }
    }

    /** Driver plugin: whether {@code message} was an executor's arrival (restoring then begins). */
    boolean receive(Object message) {
        if (message instanceof Map<?, ?> map && ARRIVED.equals(map.get(ARRIVED))) {
            String arrived = String.valueOf(map.get(EXECUTOR));
            CompletableFuture<String> done = new CompletableFuture<>();
            restored.put(arrived, done);
            try {
                copier.execute(() -> done.complete(sc.isLocal() ? "" : restore(arrived)));
            } catch (RejectedExecutionException stopped) {
                done.complete("");
            }
            return true;
        }
        return false;
    }

    /**
     * Driver: completes once the copies asked for at executor {@code executorId}'s arrival are made (or
     * could not be), with what was copied ("" when nothing was); null when it has not announced
     * itself. Asked once: the executor is forgotten here.
     */
    CompletableFuture<String> copiesOnArrival(String executorId) {
        return restored.remove(executorId);
    }

    @Override
    public void close() {
        copier.shutdownNow();
    }

    /** Asks for the copies executor {@code arrived}'s arrival allows, waits for them; returns what was copied. */
    private String restore(String arrived) {
        try {
            long t0 = System.nanoTime();
            Map<Integer, Integer> copiesWanted = copiesWanted(sc);
            if (copiesWanted.isEmpty()) {
                return "";
            }
            BlockManagerMaster master = SparkEnv.get().blockManager().master();
            List<BlockId> ids = new ArrayList<>(new LinkedHashSet<>(JavaConverters.seqAsJavaList(
                    master.getMatchingBlockIds(new CachedIn(copiesWanted), false))));
            // (an immutable.Seq of them with Scala 2.13)
            List<? extends Seq<BlockManagerId>> locations = JavaConverters.seqAsJavaList(
                    master.getLocations(ids.toArray(new BlockId[0])));
            Map<Integer, Integer> asked = new TreeMap<>();
            List<Future<Object>> answers = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                List<BlockManagerId> holders = JavaConverters.seqAsJavaList(locations.get(i));
                int rdd = ((RDDBlockId) ids.get(i)).rddId();
                int missing = copiesWanted.get(rdd) - holders.size();
                if (holders.isEmpty() || missing <= 0) {
                    continue;
                }
                Future<Object> answer = askToCopy(master, ids.get(i), holders, missing);
                if (answer != null) {
                    answers.add(answer);
                    asked.merge(rdd, 1, Integer::sum);
                }
            }
            if (answers.isEmpty()) {
                return "";
            }
            int copied = 0;
            for (Future<Object> answer : answers) {
                try {
                    copied += Boolean.TRUE.equals(Await.result(answer, WAIT)) ? 1 : 0;
                } catch (Exception holderGoneOrTimedOut) {
                    LOG.debug("a copy was not made", holderGoneOrTimedOut);
                }
            }
            String seconds = String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9);
            LOG.info("executor {} arrived: {} of {} cached blocks left with fewer copies than their storage level "
                            + "asks for copied again in {} s (blocks by RDD: {})", arrived, copied, answers.size(),
                    seconds, asked);
            return copied + " cached blocks copied again in " + seconds + " s";
        } catch (RuntimeException e) {
            if (!sc.isStopped()) {
                LOG.warn("could not restore the copies of cached blocks on executor {}'s arrival: {}", arrived, e.toString());
            }
            return "";
        }
    }

    /** RDDs cached with more than one copy, and how many. */
    private static Map<Integer, Integer> copiesWanted(SparkContext sc) {
        Map<Integer, Integer> wanted = new TreeMap<>();
        for (Map.Entry<Object, RDD<?>> rdd : JavaConverters.mapAsJavaMap(sc.getPersistentRDDs()).entrySet()) {
            int copies = rdd.getValue().getStorageLevel().replication();
            if (copies > 1) {
                wanted.put((Integer) rdd.getKey(), copies);
            }
        }
        return wanted;
    }

    /** Asks the first holder to copy the block to {@code missing} peers, none of the other holders; null if it is gone. */
    private static Future<Object> askToCopy(BlockManagerMaster master, BlockId id, List<BlockManagerId> holders,
                                            int missing) {
        BlockManagerId holder = holders.get(0);
        Option<RpcEndpointRef> endpoint = master.getExecutorEndpointRef(holder.executorId());
        if (endpoint.isEmpty()) {
            return null;
        }
        // the holder copies to (maxReplicas - 1) peers outside the replicas named, as after a loss
        List<BlockManagerId> others = holders.subList(1, holders.size());
        BlockManagerMessages.ReplicateBlock message = new BlockManagerMessages.ReplicateBlock(id,
                JavaConverters.asScalaBuffer(new ArrayList<>(others)).toList(), missing + 1);
        return endpoint.get().ask(message, ClassTag$.MODULE$.Any());
    }

    /** The cached blocks of the RDDs in a set; run in the driver's block manager master only. */
    private static final class CachedIn extends AbstractFunction1<BlockId, Object> implements java.io.Serializable {
        private final java.util.Set<Integer> rdds;

        CachedIn(Map<Integer, Integer> copiesWanted) {
            this.rdds = new java.util.HashSet<>(copiesWanted.keySet());
        }

        @Override
        public Object apply(BlockId id) {
            return id instanceof RDDBlockId rdd && rdds.contains(rdd.rddId());
        }
    }
}
