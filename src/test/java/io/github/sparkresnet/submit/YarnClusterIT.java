package io.github.sparkresnet.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.spark.TestSpark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar on a real YARN cluster (ResourceManager and NodeManager in this JVM), submitted by
 * submit/yarn.sh as a user would: in cluster deploy mode (the driver in a YARN container) and in client
 * mode, one epoch on a small subset of the real data each, then the application's final status, the
 * metrics row and the model checked; and an application that fails (a bad --data) fails the script.
 */
class YarnClusterIT {
    @TempDir
    static Path dir;
    static YarnCluster yarn;

    @BeforeAll
    static void startCluster() throws Exception {
        yarn = YarnCluster.start(dir.resolve("yarn"), 16384);
    }

    @AfterAll
    static void stopCluster() {
        if (yarn != null) {
            yarn.close();
        }
    }

    @Test
    void trainsWithTheDriverInAContainer() throws Exception {
        Path out = dir.resolve("out-cluster");
        ScriptRun run = trainOneEpoch("cluster", 2, 1, out, "yarn-cluster");
        ApplicationReport app = lastApplication(run);
        String logs = yarn.containerLogText(app.getApplicationId().toString());
        assertEquals(0, run.exitCode(), run.output() + logs);
        assertEquals(FinalApplicationStatus.SUCCEEDED, app.getFinalApplicationStatus(), logs);
        assertTrue(logs.contains("run yarn-cluster done"), "the driver's log is in its container:\n" + logs);
        assertTrue(logs.contains("ND4J backend CPU") && logs.contains("oneDNN layer helpers ON"), logs);
        assertOneEpoch(out, "yarn-cluster", 2);
    }

    @Test
    void trainsWithTheDriverInTheSubmittingProcess() throws Exception {
        Path out = dir.resolve("out-client");
        ScriptRun run = trainOneEpoch("client", 1, 2, out, "yarn-client");
        ApplicationReport app = lastApplication(run);
        assertEquals(0, run.exitCode(), run.output() + yarn.containerLogText(app.getApplicationId().toString()));
        assertTrue(run.output().contains("run yarn-client done"), run.output());
        assertEquals(FinalApplicationStatus.SUCCEEDED, app.getFinalApplicationStatus());
        assertOneEpoch(out, "yarn-client", 2);
    }

    @Test
    void aFailingApplicationFailsTheScript() throws Exception {
        Path missing = dir.resolve("no-such-data");
        ScriptRun run = submit("cluster", 1, 1, "train", "--data", missing.toString(),
                "--output", dir.resolve("out-failed").toString(), "--run-id", "yarn-failed", "--epochs", "1");
        ApplicationReport app = lastApplication(run);
        String id = app.getApplicationId().toString();
        assertNotEquals(0, run.exitCode(), run.output());
        assertEquals(FinalApplicationStatus.FAILED, app.getFinalApplicationStatus());
        String[] lines = run.output().strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("yarn.sh: error: YARN application " + id + " failed") && last.contains("yarn logs -applicationId " + id),
                "last line: " + last + "\n" + run.output());
        String logs = yarn.containerLogText(id);
        assertTrue(logs.lines().anyMatch(l -> l.startsWith("error: ") && l.contains(missing.toString())),
                "the driver says what is wrong in its container log:\n" + logs);
        assertFalse(Files.exists(dir.resolve("out-failed").resolve("metrics")));
    }

    @Test
    void aFailingClientModeRunReportsTheJobsOwnErrorLine() throws Exception {
        Path missing = dir.resolve("no-such-data-client");
        ScriptRun run = submit("client", 1, 1, "train", "--data", missing.toString(),
                "--output", dir.resolve("out-failed-client").toString(), "--run-id", "yarn-failed-client", "--epochs", "1");
        assertEquals(2, run.exitCode(), "the job's own exit code for bad input:\n" + run.output());
        // Spark's shutdown may still log after it (an executor fetching the jar), so it need not be last.
        assertTrue(run.output().lines().anyMatch(l -> l.startsWith("error: ") && l.contains(missing.toString())), run.output());
        assertFalse(run.output().contains("yarn.sh: error:"), "in client mode the script adds no line of its own:\n" + run.output());
    }

    /** One epoch on the small subset {@link #assertOneEpoch} checks. */
    private static ScriptRun trainOneEpoch(String deployMode, int executors, int cores, Path out, String runId)
            throws Exception {
        return submit(deployMode, executors, cores, "train", "--data", RealCifar.dir().toString(),
                "--output", out.toString(), "--run-id", runId, "--epochs", "1", "--limit-train", "256",
                "--limit-test", "100", "--batch-size-per-worker", "32", "--averaging-frequency", "2");
    }

    private static long submittedAt;

    private static ScriptRun submit(String deployMode, int executors, int cores, String... job) throws Exception {
        submittedAt = System.currentTimeMillis();
        return ScriptRun.run(yarn.submitEnv(), 6, "submit/yarn.sh",
                yarn.submitArgs(dir, deployMode, executors, cores, job));
    }

    /** The one application the last {@link #submit} created. */
    private static ApplicationReport lastApplication(ScriptRun run) throws Exception {
        List<ApplicationReport> apps = yarn.applicationsSince(submittedAt);
        assertEquals(1, apps.size(), "applications submitted by the script: " + apps + "\n" + run.output());
        return apps.get(0);
    }

    private static void assertOneEpoch(Path out, String runId, int workers) {
        List<Row> rows = TestSpark.get().read().parquet(out.resolve("metrics").toString()).collectAsList();
        assertEquals(1, rows.size(), "one metrics row for one epoch");
        Row r = rows.get(0);
        assertEquals(1, (int) r.getAs("epoch"));
        assertEquals(workers, (int) r.getAs("workers"), "one training worker per executor core");
        assertEquals(256L, (long) r.getAs("train_images"));
        assertEquals(100L, (long) r.getAs("val_images"));
        assertTrue(Files.exists(out.resolve("model/" + runId + "/final.zip")), "the final model");
    }
}
