package io.github.sparkresnet.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.cli.CommandLineRunner;
import io.github.sparkresnet.cli.Main;
import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.eval.MetricsTable;
import io.github.sparkresnet.reliability.FaultyFileSystem.Operation;
import io.github.sparkresnet.spark.TestSpark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The output store fails at each point of an epoch's commit ({@link FaultyFileSystem}: the local disk
 * under {@code faulty://}, failing once), one failure after another on the same run, as a flaky store
 * would. Each time the run stops with one {@code error:} line naming what it was writing and exit 5;
 * nothing half-written is visible (every checkpoint and model zip is whole and has its description,
 * the metrics table reads cleanly, the lease is given back) and the failing epoch has no checkpoint.
 * {@code --resume} on the healed store then ends with exactly one row per epoch and a final model
 * that scores as its row says.
 */
class OutputStoreFaultIT {
    private static final int EPOCHS = 2;
    private static final int LIMIT_TEST = 32;
    private static String data;

    @TempDir
    Path out;

    /** One injected failure: what fails, where, in which epoch, and the metrics rows it leaves. */
    private record Fault(String what, Operation operation, String path, int epoch, int rowsLeft, String named) {
    }

    @BeforeAll
    static void setUp() throws Exception {
        data = RealCifar.dir().toString();
        FaultyFileSystem.register(TestSpark.get().sparkContext().hadoopConfiguration());
    }

    @AfterEach
    void heal() {
        FaultyFileSystem.heal();
    }

    @Test
    void everyFailedWriteStopsTheRunCleanlyAndResumeCompletesIt() throws Exception {
        List<Fault> faults = List.of(
                // the row of epoch 1 is committed before the best model is written
                new Fault("the best model copy", Operation.WRITE, "/model/f/\\.best\\.zip\\.", 1, 1, "model/f/best.zip"),
                // the retry's row fails in staging, or in its rename: the earlier row stays readable
                new Fault("the metrics file", Operation.CREATE, "/metrics/_staging/f/1-[^/]+/.*part-", 1, 1, "metrics row of run f epoch 1"),
                new Fault("the metrics commit rename", Operation.RENAME, "/metrics/run_id=f/epoch=1$", 1, 1, "metrics row of run f epoch 1"),
                new Fault("the checkpoint file", Operation.WRITE, "/checkpoints/f/\\.epoch-0001\\.zip\\.", 1, 1, "checkpoints/f/epoch-0001.zip"),
                new Fault("the checkpoint commit rename", Operation.RENAME, "/checkpoints/f/epoch-0001\\.zip$", 1, 1, "checkpoints/f/epoch-0001.zip"),
                // epoch 1 commits this time; the final model of epoch 2 fails
                new Fault("the final model copy", Operation.WRITE, "/model/f/\\.final\\.zip\\.", 2, 2, "model/f/final.zip"));
        boolean first = true;
        for (Fault fault : faults) {
            FaultyFileSystem.failNext(fault.operation(), fault.path());
            CommandLineRunner failed = first ? train() : train("--resume");
            first = false;
            String step = fault.what() + " fails in epoch " + fault.epoch() + ": ";
            assertNotNull(FaultyFileSystem.fired(), step + "the fault never fired\n" + failed.err());
            assertEquals(Main.EXIT_OUTPUT_STORE, failed.exitCode(), step + failed.err());
            List<String> errors = failed.err().lines().filter(l -> l.startsWith("error: ")).collect(Collectors.toList());
            assertEquals(1, errors.size(), step + failed.err());
            String error = errors.get(0);
            assertTrue(error.startsWith("error: writing ") && error.contains(fault.named()) && error.contains("injected fault")
                    && error.contains("--resume"), step + error);
            assertFalse(failed.err().contains("\tat "), step + "no stack trace:\n" + failed.err());

            assertNothingHalfWritten(step);
            assertEquals(fault.rowsLeft(), epochsRecorded().size(), step + "metrics rows");
            assertFalse(Files.exists(checkpoint(fault.epoch())), step + "the failing epoch must not count as done");
            assertFalse(Files.exists(out.resolve("leases")), step + "the lease was given back");
        }

        FaultyFileSystem.heal();
        CommandLineRunner resumed = train("--resume");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertNothingHalfWritten("after the last resume: ");
        assertEquals(List.of(1, 2), epochsRecorded());
        assertTrue(Files.exists(checkpoint(EPOCHS)));
        RecordedScore.assertScoresAsRecorded(out.resolve("model/f/final.zip"), data, LIMIT_TEST, rows().get(EPOCHS - 1));
    }

    private CommandLineRunner train(String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data, "--output", FaultyFileSystem.uri(out),
                "--run-id", "f", "--epochs", Integer.toString(EPOCHS), "--limit-train", "64",
                "--limit-test", Integer.toString(LIMIT_TEST), "--batch-size-per-worker", "16",
                "--averaging-frequency", "2", "--eval-batch-size", "64"));
        args.addAll(List.of(extra));
        return CommandLineRunner.run(args.toArray(new String[0]));
    }

    private Path checkpoint(int epoch) {
        return out.resolve(String.format("checkpoints/f/epoch-%04d.zip", epoch));
    }

    private List<Row> rows() {
        return new MetricsTable(TestSpark.get(), FaultyFileSystem.uri(out)).rows("f");
    }

    private List<Integer> epochsRecorded() {
        return rows().stream().map(r -> (int) r.getAs("epoch")).collect(Collectors.toList());
    }

    /** What a reader can see is whole: zips open, each beside its description; no temporary file is left. */
    private void assertNothingHalfWritten(String step) throws Exception {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(out)) {
            files = walk.filter(Files::isRegularFile).collect(Collectors.toList());
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            assertFalse(name.endsWith(".tmp"), step + "temporary file left behind: " + f);
            if (name.endsWith(".zip")) {
                try (ZipFile zip = new ZipFile(f.toFile())) {
                    assertTrue(zip.size() > 0, step + f + " is empty");
                }
                Path description = f.resolveSibling(name.replace(".zip", ".properties"));
                assertTrue(Files.exists(description), step + f + " has no description");
            }
        }
    }
}
