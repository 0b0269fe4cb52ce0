package io.github.sparkresnet.averaging;

import io.github.sparkresnet.spark.ByteBlocks;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.zip.CRC32;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple3;

/**
 * A Spark application for {@code DecommissionIT}, run in a JVM of its own against a standalone
 * cluster of two executors: one task publishes a block as a worker publishes its slices, after
 * waiting (at most two minutes) for its executor to be decommissioned; the IT sends its Worker
 * SIGPWR once the task has written its process id to {@code MARKER}. Once that executor is gone, a
 * second job reads the block on the other executor.
 *
 * <pre>  MASTER JOB_JAR TEST_CLASSES MARKER</pre>
 *
 * Prints {@code leaving=} (whether the task saw its executor being decommissioned), {@code copies=}
 * (the executors holding the block), {@code gone=} and {@code read=} (the block's checksum as read
 * after its writer left, against the one written).
 */
public final class LeavingExecutorApp {
    private static final int BYTES = 8 << 20;
    /** Keeps the published memory reachable in the executor, as a replica keeps a worker's slices. */
    private static final List<ByteBuffer> KEPT = new ArrayList<>();

    private LeavingExecutorApp() {
    }

    public static void main(String[] args) throws Exception {
        SparkConf conf = new SparkConf().setMaster(args[0]).setAppName("leaving-executor")
                // both on the executors' own class path: this class, loaded there, must see the job's
                .set("spark.executor.extraClassPath", args[1] + java.io.File.pathSeparator + args[2])
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.executor.cores", "1")
                .set("spark.cores.max", "2")
                .set("spark.executor.memory", "512m")
                .set("spark.decommission.enabled", "true")
                .set("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s")
                .set("spark.ui.enabled", "false")
                // what the tasks return is a record, which Kryo 4 cannot construct
                .set("spark.serializer", "org.apache.spark.serializer.JavaSerializer");
        String marker = args[3];
        try (JavaSparkContext jsc = new JavaSparkContext(conf)) {
            List<Tuple3<Boolean, ByteBlocks.Ref, Long>> published = jsc.parallelize(List.of(0, 1), 2)
                    .mapPartitionsWithIndex((Integer part, Iterator<Integer> it) -> part == 0
                            ? List.of(publishWhenLeaving(marker)).iterator()
                            : List.<Tuple3<Boolean, ByteBlocks.Ref, Long>>of().iterator(), true)
                    .collect();
            Tuple3<Boolean, ByteBlocks.Ref, Long> p = published.get(0);
            ByteBlocks.Ref ref = p._2();
            System.out.println("leaving=" + p._1());
            System.out.println("copies=" + ref.holders());
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (jsc.sc().getExecutorIds().contains(ref.executorId()) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            System.out.println("gone=" + !jsc.sc().getExecutorIds().contains(ref.executorId()));
            long read = jsc.parallelize(List.of(0), 1).map(i -> {
                try (ByteBlocks.Read r = ByteBlocks.read(ref)) {
                    return checksum(r.chunks());
                }
            }).collect().get(0);
            System.out.println("read=" + read + " written=" + p._3());
        }
    }

    private static Tuple3<Boolean, ByteBlocks.Ref, Long> publishWhenLeaving(String marker) throws Exception {
        Path tmp = Path.of(marker + ".tmp");
        Files.writeString(tmp, Long.toString(ProcessHandle.current().pid()));
        Files.move(tmp, Path.of(marker), StandardCopyOption.ATOMIC_MOVE);
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (ReplicaRound.ownSliceCopies() == 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        ByteBuffer bytes = ByteBuffer.allocateDirect(BYTES);
        for (int i = 0; i < BYTES / 8; i++) {
            bytes.putLong(i * 31L + 7);
        }
        bytes.flip();
        synchronized (KEPT) {
            KEPT.add(bytes);
        }
        int copies = ReplicaRound.ownSliceCopies();
        ByteBlocks.Ref ref = ByteBlocks.putView("sparkresnet_leaving_1_w0_0", new ByteBuffer[] {bytes}, KEPT, copies);
        return new Tuple3<>(copies > 1, ref, checksum(new ByteBuffer[] {bytes.duplicate()}));
    }

    private static long checksum(ByteBuffer[] chunks) {
        CRC32 crc = new CRC32();
        for (ByteBuffer c : chunks) {
            crc.update(c.duplicate());
        }
        return crc.getValue();
    }
}
