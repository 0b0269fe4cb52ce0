package io.github.sparkresnet.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Writes small CIFAR-10 data sets in the canonical binary layout for tests.
 *
 * <p>Record {@code i} of every file has label {@code i % 10} and pixel bytes that depend on the file,
 * the record and the position, so a test can recompute any expected byte with {@link #pixel}.
 */
public final class SyntheticCifar {
    private SyntheticCifar() {
    }

    /** Writes {@code DIR/cifar-10-batches-bin/} with {@code perFile} records in each of the six files. */
    public static Path writeDirectory(Path root, int perFile) throws IOException {
        Path dir = Files.createDirectories(root.resolve(CifarLayout.DIRECTORY));
        int fileNo = 0;
        for (String name : allFiles()) {
            Files.write(dir.resolve(name), batch(fileNo++, perFile));
        }
        Files.writeString(dir.resolve(CifarLayout.META_FILE),
                String.join("\n", CifarLayout.DEFAULT_CLASS_NAMES) + "\n\n", StandardCharsets.UTF_8);
        return dir;
    }

    /** The same data as {@link #writeDirectory}, as {@code cifar-10-binary.tar.gz}. */
    public static Path writeArchive(Path root, int perFile) throws IOException {
        Files.createDirectories(root);
        Path archive = root.resolve("cifar-10-binary.tar.gz");
        try (OutputStream raw = Files.newOutputStream(archive);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(raw))) {
            TarArchiveEntry dirEntry = new TarArchiveEntry(CifarLayout.DIRECTORY + "/");
            tar.putArchiveEntry(dirEntry);
            tar.closeArchiveEntry();
            byte[] meta = (String.join("\n", CifarLayout.DEFAULT_CLASS_NAMES) + "\n").getBytes(StandardCharsets.UTF_8);
            put(tar, CifarLayout.DIRECTORY + "/" + CifarLayout.META_FILE, meta);
            int fileNo = 0;
            for (String name : allFiles()) {
                put(tar, CifarLayout.DIRECTORY + "/" + name, batch(fileNo++, perFile));
            }
            put(tar, CifarLayout.DIRECTORY + "/readme.html", "<html></html>".getBytes(StandardCharsets.UTF_8));
        }
        return archive;
    }

    private static void put(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    /** The bytes of batch file number {@code fileNo} (0-4 train, 5 test) with {@code records} records. */
    public static byte[] batch(int fileNo, int records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(records * CifarLayout.RECORD_BYTES);
        for (int i = 0; i < records; i++) {
            out.write(i % CifarLayout.NUM_CLASSES);
            for (int p = 0; p < CifarLayout.IMAGE_BYTES; p++) {
                out.write(pixel(fileNo, i, p));
            }
        }
        return out.toByteArray();
    }

    /** Expected unsigned pixel byte at image offset {@code p} of record {@code i} in file {@code fileNo}. */
    public static int pixel(int fileNo, int record, int p) {
        return (fileNo * 31 + record * 7 + p * 13 + (p >> 10) * 101) & 0xFF;
    }

    /** Random bytes, for files that must look nothing like CIFAR-10. */
    public static byte[] noise(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    public static java.util.List<String> allFiles() {
        java.util.List<String> all = new java.util.ArrayList<>(CifarLayout.TRAIN_FILES);
        all.addAll(CifarLayout.TEST_FILES);
        return all;
    }
}
