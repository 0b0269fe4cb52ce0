package io.github.sparkresnet.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.RDDBlockId;
import org.apache.spark.storage.StorageLevel;

/**
 * A Spark application for {@code CopyRestorerIT}, run in a JVM of its own against a standalone
 * cluster of two 1-core executors with the job's required settings (its plugin among them): caches
 * an RDD with two copies of each block, ends one executor's process from inside a task (the Worker
 * starts a replacement), and watches the master's count of each block's copies.
 *
 * <pre>  MASTER JOB_JAR TEST_CLASSES</pre>
 *
 * Prints {@code cached=}, {@code afterLoss=} and {@code afterArrival=} (each block's copies: when
 * cached, once the lost executor is removed, once the replacement has registered and at most a
 * minute has passed) and {@code arrived=} (whether a replacement came).
 */
public final class CopiesOnArrivalApp {
    private static final int BLOCKS = 4;

    private CopiesOnArrivalApp() {
    }

    public static void main(String[] args) throws Exception {
        SparkConf conf = new SparkConf().setMaster(args[0]).setAppName("copies-on-arrival")
                // the job's jar fetched by each executor as it starts, as spark-submit ships it (what a
                // peer's copy needs, the Kryo registrator, arrives with it); the tasks' lambdas are this class's
                .set("spark.jars", args[1])
                .set("spark.executor.extraClassPath", args[2])
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.executor.cores", "1")
                .set("spark.cores.max", "2")
                .set("spark.executor.memory", "1g")
                .set("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s")
                .set("spark.ui.enabled", "false");
        SparkSessions.applyRequired(conf);
        try (JavaSparkContext jsc = new JavaSparkContext(conf)) {
            JavaRDD<Integer> cached = jsc.parallelize(IntStream.range(0, 64).boxed().collect(Collectors.toList()), BLOCKS)
                    .map(i -> i * 3).persist(StorageLevel.MEMORY_ONLY_2());
            cached.count();
            System.out.println("cached=" + copies(cached.id()));
            List<String> before = executors(jsc);
            String doomed = before.get(0);
            // one task per partition, slow enough that both executors take some: the doomed one's halt
            jsc.parallelize(IntStream.range(0, 8).boxed().collect(Collectors.toList()), 8).foreach(i -> {
                if (doomed.equals(SparkEnv.get().executorId())) {
                    Runtime.getRuntime().halt(137);
                }
                Thread.sleep(300);
            });
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (executors(jsc).contains(doomed) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            System.out.println("afterLoss=" + copies(cached.id()));
            deadline = System.nanoTime() + 120_000_000_000L;
            while (executors(jsc).size() < before.size() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            System.out.println("arrived=" + (executors(jsc).size() == before.size()));
            deadline = System.nanoTime() + 60_000_000_000L;
            while (copies(cached.id()).stream().anyMatch(c -> c < 2) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            System.out.println("afterArrival=" + copies(cached.id()));
        }
    }

    private static List<String> executors(JavaSparkContext jsc) {
        return new ArrayList<>(scala.collection.JavaConverters.seqAsJavaList(jsc.sc().getExecutorIds()));
    }

    /** How many executors the master says hold each block of the RDD. */
    private static List<Integer> copies(int rdd) {
        List<Integer> copies = new ArrayList<>();
        for (int p = 0; p < BLOCKS; p++) {
            BlockId id = new RDDBlockId(rdd, p);
            copies.add(SparkEnv.get().blockManager().master().getLocations(id).size());
        }
        return copies;
    }
}
