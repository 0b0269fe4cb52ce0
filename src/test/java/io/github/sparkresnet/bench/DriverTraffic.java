package io.github.sparkresnet.bench;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerBlockUpdated;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Counts what passes through the driver, as Spark's listener bus reports it: the serialized results
 * of every task (what the driver receives), and the broadcast pieces stored in the driver's block
 * manager (what it sends: task binaries, and dl4j-spark's per-round network broadcast; every
 * executor fetches each piece at least once, from the driver or a peer that has it).
 */
final class DriverTraffic extends SparkListener {
    private final AtomicLong taskResults = new AtomicLong();
    private final AtomicLong broadcastPieces = new AtomicLong();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.taskMetrics() != null) {
            taskResults.addAndGet(end.taskMetrics().resultSize());
        }
    }

    @Override
    public void onBlockUpdated(SparkListenerBlockUpdated updated) {
        var info = updated.blockUpdatedInfo();
        if (info.blockId().isBroadcast() && info.blockId().name().contains("piece")
                && "driver".equals(info.blockManagerId().executorId()) && info.storageLevel().isValid()) {
            broadcastPieces.addAndGet(info.memSize() + info.diskSize());
        }
    }

    /** Bytes of task results received since the last reset. */
    long received() {
        return taskResults.get();
    }

    /** Bytes of broadcast pieces the driver stored since the last reset. */
    long broadcast() {
        return broadcastPieces.get();
    }

    void reset() {
        taskResults.set(0);
        broadcastPieces.set(0);
    }
}
