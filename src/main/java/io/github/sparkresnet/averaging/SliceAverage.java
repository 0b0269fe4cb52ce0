package io.github.sparkresnet.averaging;

import io.github.sparkresnet.spark.ByteBlocks;
import io.github.sparkresnet.spark.ProcessMemory;

import com.esotericsoftware.kryo.DefaultSerializer;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.function.Function;

/**
 * The reduce step of one all-reduce round, as a Spark task per slice: read slice {@code i} of every
 * worker that trained (in a ring order: see {@link #call}), average them ({@link SliceMean}) and
 * publish the mean for the next round, with copies on other executors: the state the next round
 * starts from, which must outlive any one executor.
 * (With {@code --averaged parameters}, a job may hold a slice of the parameters and one of the
 * moments per task.)
 */
final class SliceAverage implements Function<SliceAverage.Input, SliceAverage.Report> {
    private final RoundBlocks blocks;
    private final long job;
    private final long keep;
    private final long liveFrom;
    private final int copies;
    private final ExecutorMemory memory;

    /**
     * Slice {@code slice} of each contributing worker (its index {@code workers[k]}), and the worker
     * whose own slice it is ({@code owner}): for the traffic count.
     */
    @DefaultSerializer(JavaSerializer.class) // Kryo 4 cannot construct records
    record Input(int slice, List<ByteBlocks.Ref> parts, int[] workers, int owner) implements Serializable {
    }

    /** The published mean of slice {@code slice}. */
    @DefaultSerializer(JavaSerializer.class) // Kryo 4 cannot construct records
    record Report(int slice, ByteBlocks.Ref mean, SliceTraffic traffic, long nanos) implements Serializable {
    }

    /**
     * Job {@code job}, whose tasks keep the blocks of job {@code keep} (the state the round started
     * from, which a failed round is fitted again from, or what the job reads) and of jobs from
     * {@code liveFrom} on ({@link RoundBlocks#sweep}); each mean is stored with {@code copies - 1}
     * copies on other executors, so that it outlives its executor.
     */
    SliceAverage(RoundBlocks blocks, long job, long keep, long liveFrom, int copies, ExecutorMemory memory) {
        this.blocks = blocks;
        this.job = job;
        this.keep = keep;
        this.liveFrom = liveFrom;
        this.copies = copies;
        this.memory = memory;
    }

    @Override
    public Report call(Input in) {
        long t0 = System.nanoTime();
        blocks.sweep(keep, liveFrom);
        int n = in.parts().size();
        ByteBlocks.Read[] reads = new ByteBlocks.Read[n];
        try {
            // read round a ring from the part after this slice's owner, so that the tasks reading at
            // the same time read from different workers; summed in worker order all the same
            SliceTraffic traffic = SliceTraffic.NONE;
            for (int step = 0; step < n; step++) {
                int k = Math.floorMod(in.owner() + 1 + step, n);
                reads[k] = ByteBlocks.read(in.parts().get(k));
                traffic = traffic.plus(SliceTraffic.of(reads[k], in.workers()[k] == in.owner()));
            }
            List<ByteBuffer[]> parts = new ArrayList<>(n);
            for (ByteBlocks.Read read : reads) {
                parts.add(read.chunks());
            }
            ByteBuffer mean = SliceMean.into(parts, ByteBlocks.allocate(Math.toIntExact(reads[0].size()))).flip();
            ByteBlocks.Ref ref = ByteBlocks.put(blocks.meanSlice(job, in.slice()), mean, copies);
            memory.recordPeak(ProcessMemory.now()); // the inputs still held, the mean published
            return new Report(in.slice(), ref, traffic, System.nanoTime() - t0);
        } finally {
            for (ByteBlocks.Read read : reads) {
                if (read != null) {
                    read.close();
                }
            }
        }
    }
}
