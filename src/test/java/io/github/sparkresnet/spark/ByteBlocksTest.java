package io.github.sparkresnet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Byte blocks in a real block manager: local views, a fetch over loopback, copies, removal and
 * recycling.
 */
class ByteBlocksTest {

    @BeforeAll
    static void spark() {
        TestSpark.get();
    }

    @Test
    void aBlockReadsBackLocallyAndOverTheNetworkUntilRemoved() {
        ByteBuffer bytes = ByteBlocks.allocate(4000);
        for (int i = 0; i < 1000; i++) {
            bytes.putFloat(i * 1.5f);
        }
        ByteBlocks.Ref ref = ByteBlocks.put("bbtest_a", bytes.flip());
        assertEquals(4000, ref.bytes());
        try (ByteBlocks.Read local = ByteBlocks.read(ref)) {
            assertFalse(local.remote());
            assertEquals(1.5f * 999, floatAt(local, 999));
        }
        // the same block manager, addressed as another executor's: Spark's block transfer service
        // fetches it over loopback, as a peer would
        ByteBlocks.Ref asPeer = new ByteBlocks.Ref(ref.name(), "peer", ref.host(), ref.port(), ref.bytes());
        try (ByteBlocks.Read fetched = ByteBlocks.read(asPeer)) {
            assertTrue(fetched.remote());
            assertEquals(4000, fetched.size());
            assertEquals(1.5f * 999, floatAt(fetched, 999));
        }
        assertEquals(1, ByteBlocks.removeLocal("bbtest_a"::equals));
        assertEquals(0, ByteBlocks.removeLocal("bbtest_a"::equals), "removed once");
        ByteBlocks.MissingBlockException gone = assertThrows(ByteBlocks.MissingBlockException.class, () -> ByteBlocks.read(ref));
        assertTrue(gone.getMessage().contains("bbtest_a"), gone.getMessage());
        assertThrows(ByteBlocks.MissingBlockException.class, () -> ByteBlocks.read(asPeer));
    }

    @Test
    void aBlockWithACopyIsReadFromTheCopyInThisJvmAndOutlivesItsWriter() {
        ByteBuffer bytes = ByteBlocks.allocate(400);
        for (int i = 0; i < 100; i++) {
            bytes.putFloat(i);
        }
        ByteBlocks.Ref local = ByteBlocks.put("bbtest_d", bytes.flip());
        // written by another executor, copied here: the copy here is read, not the writer's over the network
        ByteBlocks.Ref written = new ByteBlocks.Ref(local.name(), "peer", local.host(), local.port(), local.bytes(),
                List.of(local));
        assertEquals(List.of("peer", local.executorId()), written.holders());
        try (ByteBlocks.Read read = ByteBlocks.read(written)) {
            assertFalse(read.remote());
            assertEquals(99f, floatAt(read, 99));
        }
        // the writer lost: the copy holds the block alone; both lost: nothing holds it
        ByteBlocks.Ref survivor = written.without(Set.of("peer"));
        assertEquals(List.of(local.executorId()), survivor.holders());
        assertEquals(written, written.without(Set.of("elsewhere")), "nothing lost, nothing changed");
        assertNull(written.without(Set.of("peer", local.executorId())));
        ByteBlocks.removeLocal("bbtest_d"::equals);
        assertThrows(ByteBlocks.MissingBlockException.class, () -> ByteBlocks.read(written));
    }

    @Test
    void aRemovedBlocksBufferIsReusedForTheSameSize() {
        ByteBuffer first = ByteBlocks.allocate(1234);
        ByteBlocks.put("bbtest_b", first);
        ByteBlocks.removeLocal("bbtest_b"::equals);
        assertSame(first, ByteBlocks.allocate(1234));
        ByteBlocks.releasePool();
    }

    @Test
    void removingAViewLeavesTheOwnersMemoryIntact() {
        FloatPointer owner = new FloatPointer(256);
        for (int i = 0; i < 256; i++) {
            owner.put(i, i);
        }
        // a JNI buffer over exactly floats 16..47, as NetworkState makes them
        ByteBuffer view = new FloatPointer(owner).getPointer(16).position(0).limit(32).asByteBuffer();
        ByteBlocks.Ref ref = ByteBlocks.putView("bbtest_c", new ByteBuffer[] {view}, owner);
        try (ByteBlocks.Read read = ByteBlocks.read(ref)) {
            assertEquals(128, read.size());
            assertEquals(16f, floatAt(read, 0));
        }
        ByteBlocks.removeLocal("bbtest_c"::equals); // Spark disposes the block's direct buffers
        assertEquals(47f, owner.get(47));
        owner.put(20, -1f);
        assertEquals(-1f, view.order(ByteOrder.nativeOrder()).getFloat(4 * 4), "the view still maps the owner's memory");
    }

    private static float floatAt(ByteBlocks.Read read, int index) {
        ByteBuffer[] chunks = read.chunks();
        assertEquals(1, chunks.length);
        return chunks[0].getFloat(chunks[0].position() + index * 4);
    }
}
