package io.github.sparkresnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.SyntheticCifar;
import io.github.sparkresnet.spark.TestSpark;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DryRunTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void shareTheTestSession() {
        TestSpark.get(); // the command joins the active session instead of starting its own
    }

    @Test
    void printsCountsPerSplitAndClass() throws Exception {
        SyntheticCifar.writeDirectory(tmp, 20);
        CommandLineRunner r = CommandLineRunner.run("train", "--data", tmp.toString(), "--classes", "airplane,bird", "--dry-run",
                "--output", tmp.resolve("out").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("train airplane 10\ntrain bird 10\ntest airplane 2\ntest bird 2\n"), r.out());
    }

    @Test
    void unknownClassIsABadInputWithExitTwo() throws Exception {
        SyntheticCifar.writeDirectory(tmp, 1);
        CommandLineRunner r = CommandLineRunner.run("train", "--data", tmp.toString(), "--classes", "airplane,zebra", "--dry-run");
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertTrue(r.err().contains("error: --classes airplane,zebra: unknown class 'zebra'"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace for bad input: " + r.err());
    }

    @Test
    void aCorruptLabelInsideASparkTaskStillGivesACleanMessage() throws Exception {
        Path dir = SyntheticCifar.writeDirectory(tmp, 3);
        byte[] b = Files.readAllBytes(dir.resolve("test_batch.bin"));
        b[0] = (byte) 200;
        Files.write(dir.resolve("test_batch.bin"), b);
        CommandLineRunner r = CommandLineRunner.run("train", "--data", tmp.toString(), "--dry-run",
                "--output", tmp.resolve("out").toString());
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertTrue(r.err().contains("error: ") && r.err().contains("test_batch.bin: record 0 (byte offset 0) has label byte 200"),
                r.err());
    }

    @Test
    void missingRequiredOptionIsAUsageError() {
        CommandLineRunner r = CommandLineRunner.run("train", "--dry-run");
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertTrue(r.err().contains("error: --data or --images is required"), r.err());
    }
}
