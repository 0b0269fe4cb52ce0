package io.github.sparkresnet.spark;

import io.netty.buffer.ByteBuf;
import java.io.Serializable;
import java.lang.ref.SoftReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.spark.SparkEnv;
import org.apache.spark.network.buffer.ManagedBuffer;
import org.apache.spark.network.shuffle.BlockFetchingListener;
import org.apache.spark.storage.BlockData;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.BlockManagerId;
import org.apache.spark.storage.ByteBufferBlockData;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.storage.TestBlockId;
import org.apache.spark.util.io.ChunkedByteBuffer;
import scala.Option;
import scala.collection.JavaConverters;
import scala.runtime.AbstractFunction1;
import scala.reflect.ClassTag$;

/**
 * Named byte blocks in this JVM's Spark {@code BlockManager}, readable from every executor and the
 * driver through Spark's block transfer service: the transport of the all-reduce. Remote reads go
 * through the same authenticated (and, with {@code spark.network.crypto.enabled}, encrypted)
 * connections as shuffle and broadcast data; reads of a block in the same JVM are zero-copy views.
 *
 * <p>Blocks are not reported to the block manager master: whoever reads one is told where it is (a
 * {@link Ref}), so a round costs no messages through the driver, and whoever wrote one removes it
 * ({@link #removeLocal}). A block is one or more chunks of memory, of two kinds:
 * <ul>
 *   <li>{@link #put}: a buffer from {@link #allocate}. Buffers are recycled: allocating and zeroing a
 *       fresh buffer of a few hundred MB costs more than filling it (0.1-0.7 s against 0.04 s for
 *       255 MB, measured), and the all-reduce writes the same sizes every round. A buffer is reused
 *       once its block is removed; {@link #releasePool} hands the spare ones to the garbage collector.
 *       This class holds them softly, spare or in a block the block manager spilled to disk: the
 *       block manager bounds only the memory it stores, and a few spares of a few hundred MB each
 *       would otherwise fill a small executor's heap; the collector takes them before it would fail.</li>
 *   <li>{@link #putView}: views of memory the caller owns (a network's parameters), published
 *       without a copy. The caller must not change that memory until it has removed the block; the
 *       block keeps the owner reachable until then.</li>
 * </ul>
 * The storage level spills a block to local disk rather than fail when storage memory runs out.
 *
 * <p>A block put with copies ({@link #put(String, ByteBuffer, int)}) is also sent by the block
 * manager's own replication to other executors as it is stored, so it outlives its writer: those
 * copies are reported to the master (that is how the writer learns where they went), named in the
 * {@link Ref}, and read when the writer is gone. Whoever holds a copy removes it with its own blocks.
 *
 * <p>The names are Spark's {@code TestBlockId}s ({@code test_...}): the one block id a peer's block
 * server parses back from a free-form name (BigDL's all-reduce on Spark uses the same).
 */
public final class ByteBlocks {
    private static final StorageLevel LEVEL = StorageLevel.MEMORY_AND_DISK_SER();
    /** Spare buffers kept per size. */
    private static final int SPARES_PER_SIZE = 16;
    /** The blocks put in this JVM and not yet removed, by name. */
    private static final Map<String, Stored> STORED = new HashMap<>();
    /** Names of the blocks put in this JVM until their removal has finished: never taken for copies. */
    private static final java.util.Set<String> OWN = new java.util.HashSet<>();
    /** Copies peers sent here that a sweep is removing: claimed, so two sweeps never remove the same one. */
    private static final java.util.Set<String> COPIES_BEING_REMOVED = new java.util.HashSet<>();
    /** Buffers of removed blocks, by capacity. */
    private static final Map<Integer, ArrayDeque<SoftReference<ByteBuffer>>> SPARE = new HashMap<>();

    private ByteBlocks() {
    }

    /**
     * A stored block's memory, and what keeps it valid: its own buffer (recyclable; the block manager
     * holds it strongly while the block is in memory), or the owner of views.
     */
    private record Stored(SoftReference<ByteBuffer> own, Object owner) {
        static Stored own(ByteBuffer buffer) {
            return new Stored(new SoftReference<>(buffer), null);
        }
    }

    /**
     * A block, the block manager that holds it, and the other executors holding copies of it
     * ({@code copies}: the same block name, each with no copies of its own): all a reader needs.
     */
    public record Ref(String name, String executorId, String host, int port, long bytes, List<Ref> copies)
            implements Serializable {
        public Ref(String name, String executorId, String host, int port, long bytes) {
            this(name, executorId, host, port, bytes, List.of());
        }

        boolean isIn(BlockManagerId id) {
            return executorId.equals(id.executorId()) && host.equals(id.host()) && port == id.port();
        }

        /** The executors that hold the block: the writer first, then the copies. */
        public List<String> holders() {
            List<String> all = new ArrayList<>(1 + copies.size());
            all.add(executorId);
            copies.forEach(c -> all.add(c.executorId()));
            return all;
        }

        /** This block as held by executors not in {@code lost} (the writer first if it is one), or null if none. */
        public Ref without(Set<String> lost) {
            if (!lost.contains(executorId)) {
                return copies.stream().anyMatch(c -> lost.contains(c.executorId()))
                        ? new Ref(name, executorId, host, port, bytes, copies.stream()
                                .filter(c -> !lost.contains(c.executorId())).collect(Collectors.toList()))
                        : this;
            }
            List<Ref> alive = copies.stream().filter(c -> !lost.contains(c.executorId())).collect(Collectors.toList());
            return alive.isEmpty() ? null : new Ref(name, alive.get(0).executorId(), alive.get(0).host(),
                    alive.get(0).port(), bytes, List.copyOf(alive.subList(1, alive.size())));
        }
    }

    /**
     * A block's bytes while held: views of the stored chunks locally; from a peer, a copy in a
     * recycled buffer, taken back when the read is closed.
     */
    public static final class Read implements AutoCloseable {
        private final ByteBuffer[] chunks;
        private final boolean remote;
        private final Runnable release;

        private Read(ByteBuffer[] chunks, boolean remote, Runnable release) {
            this.chunks = chunks;
            this.remote = remote;
            this.release = release;
        }

        /** The block's bytes in order: fresh views, each from its position to its limit. */
        public ByteBuffer[] chunks() {
            ByteBuffer[] views = new ByteBuffer[chunks.length];
            for (int i = 0; i < views.length; i++) {
                views[i] = chunks[i].duplicate().order(ByteOrder.nativeOrder());
            }
            return views;
        }

        public long size() {
            long n = 0;
            for (ByteBuffer c : chunks) {
                n += c.remaining();
            }
            return n;
        }

        /** True when the bytes came over the network from another executor (or the driver). */
        public boolean remote() {
            return remote;
        }

        @Override
        public void close() {
            release.run();
        }
    }

    /** A buffer of {@code bytes} bytes, native byte order, position 0: recycled if one is spare. */
    public static synchronized ByteBuffer allocate(int bytes) {
        ArrayDeque<SoftReference<ByteBuffer>> spare = SPARE.get(bytes);
        ByteBuffer b = null;
        while (b == null && spare != null && !spare.isEmpty()) {
            b = spare.poll().get(); // null when the collector took it
        }
        return (b == null ? ByteBuffer.allocate(bytes) : b.clear()).order(ByteOrder.nativeOrder());
    }

    /**
     * Stores {@code bytes} (from {@link #allocate}, position to limit; not to be written any more)
     * under {@code name} in this JVM, replacing a block of that name left by an earlier attempt.
     */
    public static Ref put(String name, ByteBuffer bytes) {
        return store(name, new ByteBuffer[] {bytes}, Stored.own(bytes), 1);
    }

    /**
     * As {@link #put(String, ByteBuffer)}, with {@code copies - 1} copies sent to other executors
     * (as many as there are, when fewer) before this returns. Spark's replication sends them; the
     * master's answer of where they went is in the returned {@link Ref}.
     */
    public static Ref put(String name, ByteBuffer bytes, int copies) {
        return store(name, new ByteBuffer[] {bytes}, Stored.own(bytes), copies);
    }

    /**
     * Stores views of memory that {@code owner} keeps valid (each chunk from its position to its
     * limit) under {@code name}, without copying; the memory must not change until the block is removed.
     * Direct chunks must be neither slices nor duplicates, and must not own their memory: on removal,
     * Spark calls the cleaner of every direct buffer of a block (which refuses slices and duplicates).
     */
    public static Ref putView(String name, ByteBuffer[] chunks, Object owner) {
        return putView(name, chunks, owner, 1);
    }

    /** As {@link #putView(String, ByteBuffer[], Object)}, with copies as {@link #put(String, ByteBuffer, int)} makes. */
    public static Ref putView(String name, ByteBuffer[] chunks, Object owner, int copies) {
        return store(name, chunks, new Stored(null, owner), copies);
    }

    private static Ref store(String name, ByteBuffer[] chunks, Stored stored, int copies) {
        removeLocal(name::equals);
        BlockManager bm = blockManager();
        long size = 0;
        for (ByteBuffer chunk : chunks) {
            size += chunk.remaining();
        }
        synchronized (ByteBlocks.class) {
            STORED.put(name, stored);
            OWN.add(name);
        }
        TestBlockId id = new TestBlockId(name);
        StorageLevel level = copies <= 1 ? LEVEL : StorageLevel.apply(LEVEL.useDisk(), LEVEL.useMemory(),
                LEVEL.useOffHeap(), LEVEL.deserialized(), copies);
        if (!bm.putBytes(id, new ChunkedByteBuffer(chunks), level, false, ClassTag$.MODULE$.apply(byte[].class))) {
            throw new IllegalStateException("the block manager refused block " + name + " (" + size + " bytes)");
        }
        BlockManagerId at = bm.blockManagerId();
        List<Ref> elsewhere = new ArrayList<>();
        if (copies > 1) { // the writer's own block is not reported; the copies are, by their holders
            for (BlockManagerId peer : JavaConverters.seqAsJavaList(bm.master().getLocations(id))) {
                if (!peer.equals(at)) {
                    elsewhere.add(new Ref(name, peer.executorId(), peer.host(), peer.port(), size));
                }
            }
        }
        return new Ref(name, at.executorId(), at.host(), at.port(), size, List.copyOf(elsewhere));
    }

    /**
     * Reads a block from its writer or, when that fails, from a copy; close the result when done with
     * its bytes.
     */
    public static Read read(Ref ref) {
        MissingBlockException missing = null;
        for (Ref holder : holders(ref)) {
            try {
                return readFrom(holder);
            } catch (MissingBlockException e) {
                if (missing != null) {
                    e.addSuppressed(missing);
                }
                missing = e;
            }
        }
        throw missing;
    }

    /** The writer and the copies, a copy in this JVM first (the cheapest read). */
    private static List<Ref> holders(Ref ref) {
        List<Ref> all = new ArrayList<>(1 + ref.copies().size());
        all.add(new Ref(ref.name(), ref.executorId(), ref.host(), ref.port(), ref.bytes()));
        all.addAll(ref.copies());
        BlockManagerId self = blockManager().blockManagerId();
        all.sort(Comparator.comparing(holder -> !holder.isIn(self)));
        return all;
    }

    private static Read readFrom(Ref ref) {
        BlockManager bm = blockManager();
        if (ref.isIn(bm.blockManagerId())) {
            BlockId id = new TestBlockId(ref.name());
            Option<BlockData> local = bm.getLocalBytes(id);
            if (local.isEmpty()) {
                throw new MissingBlockException(ref, "it is no longer in this JVM's block manager");
            }
            BlockData data = local.get();
            ByteBuffer[] chunks = data instanceof ByteBufferBlockData inMemory
                    ? inMemory.buffer().getChunks() // views of the stored chunks
                    : new ByteBuffer[] {data.toByteBuffer()}; // spilled to disk: read back
            return new Read(chunks, false, () -> {
                data.dispose();
                bm.releaseLock(id, Option.empty());
            });
        }
        ByteBuffer fetched = fetch(bm, ref);
        return new Read(new ByteBuffer[] {fetched}, true, () -> spare(fetched));
    }

    /**
     * Fetches a peer's block into a buffer from {@link #allocate}, copied straight from the network
     * buffers (Spark's own {@code fetchBlockSync} would allocate and zero a new heap buffer every time).
     */
    private static ByteBuffer fetch(BlockManager bm, Ref ref) {
        CompletableFuture<ByteBuffer> done = new CompletableFuture<>();
        bm.blockTransferService().fetchBlocks(ref.host(), ref.port(), ref.executorId(),
                new String[] {new TestBlockId(ref.name()).name()}, new BlockFetchingListener() {
                    @Override
                    public void onBlockFetchSuccess(String blockId, ManagedBuffer data) {
                        try {
                            ByteBuffer into = allocate(Math.toIntExact(data.size()));
                            Object netty = data.convertToNetty();
                            if (netty instanceof ByteBuf buf) {
                                try {
                                    buf.getBytes(buf.readerIndex(), into.duplicate());
                                } finally {
                                    buf.release();
                                }
                            } else {
                                into.duplicate().put(data.nioByteBuffer());
                            }
                            done.complete(into);
                        } catch (Throwable t) {
                            done.completeExceptionally(t);
                        }
                    }

                    @Override
                    public void onBlockFetchFailure(String blockId, Throwable e) {
                        done.completeExceptionally(e);
                    }
                }, null);
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MissingBlockException(ref, "interrupted while fetching it", e);
        } catch (ExecutionException e) {
            throw new MissingBlockException(ref, "fetching it failed: " + e.getCause(), e.getCause());
        }
    }

    /** Takes back a buffer from {@link #allocate} that no block holds. */
    private static synchronized void spare(ByteBuffer buffer) {
        ArrayDeque<SoftReference<ByteBuffer>> spare = SPARE.computeIfAbsent(buffer.capacity(), c -> new ArrayDeque<>());
        spare.removeIf(ref -> ref.get() == null);
        if (spare.size() < SPARES_PER_SIZE) {
            spare.push(new SoftReference<>(buffer));
        }
    }

    /**
     * Removes the blocks put in this JVM whose names {@code doomed} accepts, waiting for readers still
     * holding one; their own buffers become spare for {@link #allocate}. Returns how many it removed.
     */
    public static int removeLocal(Predicate<String> doomed) {
        Map<String, Stored> claimed = new HashMap<>();
        synchronized (ByteBlocks.class) { // claim first, so two sweeps never remove the same block
            STORED.entrySet().removeIf(e -> doomed.test(e.getKey()) && claimed.put(e.getKey(), e.getValue()) == null);
        }
        BlockManager bm = blockManager();
        for (String name : claimed.keySet()) {
            bm.removeBlock(new TestBlockId(name), false); // waits while a reader holds the block
            synchronized (ByteBlocks.class) {
                OWN.remove(name);
            }
        }
        int received = 0; // copies peers sent here: reported to the master, so removed with telling it
        for (BlockId copy : JavaConverters.seqAsJavaList(bm.getMatchingBlockIds(new CopyOf(doomed)))) {
            try {
                bm.removeBlock(copy, true);
                received++;
            } finally {
                synchronized (ByteBlocks.class) {
                    COPIES_BEING_REMOVED.remove(((TestBlockId) copy).id());
                }
            }
        }
        for (Stored freed : claimed.values()) {
            ByteBuffer own = freed.own() == null ? null : freed.own().get();
            if (own != null) {
                spare(own);
            }
        }
        return claimed.size() + received;
    }

    /**
     * Matches the test blocks that {@code doomed} accepts and this JVM did not put itself (copies peers
     * sent), claiming each it matches for the caller to remove.
     */
    private static final class CopyOf extends AbstractFunction1<BlockId, Object> implements Serializable {
        private final transient Predicate<String> doomed;

        CopyOf(Predicate<String> doomed) {
            this.doomed = doomed;
        }

        @Override
        public Object apply(BlockId id) {
            if (!(id instanceof TestBlockId test)) {
                return false;
            }
            synchronized (ByteBlocks.class) {
                return !OWN.contains(test.id()) && doomed.test(test.id()) && COPIES_BEING_REMOVED.add(test.id());
            }
        }
    }

    /** Drops the spare buffers (after a run), leaving them to the garbage collector. */
    public static synchronized void releasePool() {
        SPARE.clear();
    }

    private static BlockManager blockManager() {
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            throw new IllegalStateException("no SparkEnv in this JVM: byte blocks need a running SparkContext or executor");
        }
        return env.blockManager();
    }

    /** A block a reader was told about is gone: its executor was lost, or it was removed. */
    public static final class MissingBlockException extends IllegalStateException {
        MissingBlockException(Ref ref, String why) {
            super("block " + ref.name() + " on executor " + ref.executorId() + " (" + ref.host() + ":" + ref.port()
                    + ") is missing: " + why);
        }

        MissingBlockException(Ref ref, String why, Throwable cause) {
            this(ref, why);
            initCause(cause);
        }
    }
}
