package io.github.sparkresnet.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/** Opening {@code cifar-10-binary.tar.gz} as a stream of tar entries. */
final class ArchiveEntries {
    private ArchiveEntries() {
    }

    /** A tar stream over the gzip-compressed {@code raw}; closing it closes {@code raw}. */
    static TarArchiveInputStream open(InputStream raw, String where) throws IOException {
        try {
            return new TarArchiveInputStream(new GzipCompressorInputStream(new BufferedInputStream(raw, 1 << 20), true));
        } catch (IOException e) {
            raw.close();
            throw new IOException(where + " is not gzip-compressed: " + e.getMessage(), e);
        }
    }

    /** The file name of an entry path such as {@code cifar-10-batches-bin/data_batch_1.bin}. */
    static String baseName(String entryName) {
        String n = entryName.endsWith("/") ? entryName.substring(0, entryName.length() - 1) : entryName;
        return n.substring(n.lastIndexOf('/') + 1);
    }
}
