package io.github.sparkresnet.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.BadInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarSourceTest {
    private final Configuration conf = new Configuration();

    @TempDir
    Path tmp;

    @Test
    void findsTheBatchDirectoryGivenItselfOrItsParent() throws Exception {
        Path dir = SyntheticCifar.writeDirectory(tmp, 3);
        for (Path given : new Path[] {tmp, dir}) {
            CifarSource s = CifarSource.resolve(given.toString(), conf);
            assertEquals(CifarSource.Kind.DIRECTORY, s.kind());
            assertEquals(6, s.files().size());
            assertEquals("data_batch_1.bin", s.files().get(0).name());
            assertEquals(CifarLayout.Split.TEST, s.files().get(5).split());
            assertEquals(3, s.files().get(2).records());
            assertEquals(CifarLayout.DEFAULT_CLASS_NAMES, s.classNames());
        }
    }

    @Test
    void readsClassNamesFromMetaFile() throws Exception {
        Path dir = SyntheticCifar.writeDirectory(tmp, 1);
        Files.writeString(dir.resolve("batches.meta.txt"), "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n");
        assertEquals("c", CifarSource.resolve(dir.toString(), conf).classNames().get(2));
    }

    @Test
    void listsTheArchiveWithoutExtractingIt() throws Exception {
        Path archive = SyntheticCifar.writeArchive(tmp, 4);
        CifarSource s = CifarSource.resolve(archive.toString(), conf);
        assertEquals(CifarSource.Kind.ARCHIVE, s.kind());
        assertEquals(6, s.files().size());
        assertEquals(4, s.files().get(5).records());
    }

    @Test
    void sizeNotAMultipleOfTheRecordNamesFileSizeAndLeftover() throws Exception {
        Path dir = SyntheticCifar.writeDirectory(tmp, 2);
        Files.write(dir.resolve("data_batch_3.bin"), SyntheticCifar.noise(2 * 3073 + 100, 1));
        String msg = assertThrows(BadInputException.class, () -> CifarSource.resolve(dir.toString(), conf)).getMessage();
        assertTrue(msg.contains("data_batch_3.bin"), msg);
        assertTrue(msg.contains("6246 bytes"), msg);
        assertTrue(msg.contains("100 bytes left over"), msg);
    }

    @Test
    void missingTestFileIsNamed() throws Exception {
        Path dir = SyntheticCifar.writeDirectory(tmp, 1);
        Files.delete(dir.resolve("test_batch.bin"));
        String msg = assertThrows(BadInputException.class, () -> CifarSource.resolve(dir.toString(), conf)).getMessage();
        assertTrue(msg.contains("missing test batch files: test_batch.bin"), msg);
    }

    @Test
    void missingTrainFilesAreNamed() throws Exception {
        Path dir = SyntheticCifar.writeDirectory(tmp, 1);
        for (String f : CifarLayout.TRAIN_FILES) {
            Files.delete(dir.resolve(f));
        }
        String msg = assertThrows(BadInputException.class, () -> CifarSource.resolve(dir.toString(), conf)).getMessage();
        assertTrue(msg.contains("missing train batch files: data_batch_1.bin"), msg);
    }

    @Test
    void emptyDirectory() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        String msg = assertThrows(BadInputException.class, () -> CifarSource.resolve(empty.toString(), conf)).getMessage();
        assertTrue(msg.contains("directory is empty"), msg);
        assertTrue(msg.contains("data_batch_1.bin"), msg);
    }

    @Test
    void emptyBatchFile() throws Exception {
        Path dir = SyntheticCifar.writeDirectory(tmp, 1);
        Files.write(dir.resolve("data_batch_2.bin"), new byte[0]);
        String msg = assertThrows(BadInputException.class, () -> CifarSource.resolve(dir.toString(), conf)).getMessage();
        assertTrue(msg.contains("data_batch_2.bin: file is empty"), msg);
    }

    @Test
    void nonexistentPath() {
        String missing = tmp.resolve("nope").toString();
        String msg = assertThrows(BadInputException.class, () -> CifarSource.resolve(missing, conf)).getMessage();
        assertTrue(msg.startsWith("--data " + missing + ": no such file or directory"), msg);
    }

    @Test
    void aFileThatIsNotAnArchive() throws Exception {
        Path f = Files.writeString(tmp.resolve("notes.txt"), "hello");
        String msg = assertThrows(BadInputException.class, () -> CifarSource.resolve(f.toString(), conf)).getMessage();
        assertTrue(msg.contains("not a .tar.gz archive"), msg);
    }

    @Test
    void aCorruptArchive() throws Exception {
        Path f = Files.write(tmp.resolve("cifar-10-binary.tar.gz"), SyntheticCifar.noise(5000, 3));
        String msg = assertThrows(BadInputException.class, () -> CifarSource.resolve(f.toString(), conf)).getMessage();
        assertTrue(msg.contains("not a readable .tar.gz archive"), msg);
    }

    @Test
    void unreadableDirectory() throws Exception {
        Path dir = SyntheticCifar.writeDirectory(tmp, 1);
        assertTrue(dir.toFile().setReadable(false));
        try {
            if (Files.isReadable(dir)) {
                return; // running as root: permissions are not enforced, nothing to test
            }
            String msg = assertThrows(BadInputException.class, () -> CifarSource.resolve(dir.toString(), conf)).getMessage();
            assertTrue(msg.contains(dir.getFileName().toString()), msg);
        } finally {
            dir.toFile().setReadable(true);
        }
    }

    @Test
    void metaFileWithWrongNumberOfNames() throws Exception {
        Path dir = SyntheticCifar.writeDirectory(tmp, 1);
        Files.writeString(dir.resolve("batches.meta.txt"), "cat\ndog\n");
        String msg = assertThrows(BadInputException.class, () -> CifarSource.resolve(dir.toString(), conf)).getMessage();
        assertTrue(msg.contains("batches.meta.txt: expected 10 class names"), msg);
    }
}
