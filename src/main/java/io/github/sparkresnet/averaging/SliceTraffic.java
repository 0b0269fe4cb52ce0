package io.github.sparkresnet.averaging;

import io.github.sparkresnet.spark.ByteBlocks;

import java.io.Serializable;

/**
 * Bytes of state one task read, split by where they came from: blocks written by other workers (or
 * other slices' reducers), and of those, the ones fetched over the network from another JVM.
 */
record SliceTraffic(long read, long fromPeers, long overNetwork) implements Serializable {
    static final SliceTraffic NONE = new SliceTraffic(0, 0, 0);

    /** One block read, {@code own} when the reading worker wrote it itself. */
    static SliceTraffic of(ByteBlocks.Read block, boolean own) {
        long n = block.size();
        return new SliceTraffic(n, own ? 0 : n, block.remote() ? n : 0);
    }

    SliceTraffic plus(SliceTraffic o) {
        return new SliceTraffic(read + o.read, fromPeers + o.fromPeers, overNetwork + o.overNetwork);
    }
}
