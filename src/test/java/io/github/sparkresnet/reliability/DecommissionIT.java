package io.github.sparkresnet.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.averaging.LeavingExecutorApp;
import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.submit.ScriptRun;
import io.github.sparkresnet.submit.StandaloneCluster;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graceful decommissioning on a real standalone cluster (two 1-core Workers, one executor each):
 * mid-epoch, one executor's Worker gets SIGPWR, as an operator or a cloud's preemption notice sends
 * it. Spark decommissions the executor, which finishes its running task and leaves (a worker's task
 * that ends there copies its slices to the other executor first); the job notices at the next round
 * boundary, trains on without that worker and reads the averaged state from the copies on the other
 * executor, so no round is fitted again and no epoch started again. (A standalone
 * Master does not replace a decommissioned executor unless dynamic allocation asks it to; where one
 * comes, it joins as in {@code ExecutorChaosIT}.)
 */
class DecommissionIT {
    private static final int IMAGES = 384;

    @TempDir
    static Path dir;

    @Test
    void aDecommissionedExecutorsWorkerLeavesAtARoundBoundaryWithNoRoundRedone() throws Exception {
        try (StandaloneCluster own = StandaloneCluster.start(dir.resolve("cluster"), 2, 1, "3g",
                Map.of("spark.decommission.enabled", "true"))) {
            Decommissioned d = decommissionDuringRound2(own, dir.resolve("out"), "decom");
            String output = d.output();
            assertFalse(d.executor().isAlive(), "the decommissioned executor left");
            // The job sees the decommission at a round boundary ("is being decommissioned"), or, when the
            // executor ends its last task and exits within the round the notice came in, sees it gone at
            // the next boundary; either way with the round's work kept.
            assertTrue(output.matches("(?s).*executor \\d+ left, decommissioned, after round \\d+ of epoch \\d.*"),
                    "the job saw it leave:\n" + output);
            List<String> copied = executorLines(own, "this executor is being decommissioned");
            assertFalse(copied.isEmpty(), "the leaving executor's worker copied its slices before its task ended");
        }
    }

    /**
     * The same with Spark's block migration on ({@code spark.storage.decommission.enabled}, usual on
     * Kubernetes): the executor stays until its blocks have moved, but stores no new block, so the
     * worker's task there stops and Spark runs it on the other executor; the job sees the decommission
     * at the next round boundary, and no round is redone.
     */
    @Test
    void withBlockMigrationTheLeavingWorkersTaskRunsElsewhereWithNoRoundRedone() throws Exception {
        try (StandaloneCluster own = StandaloneCluster.start(dir.resolve("cluster-migration"), 2, 1, "3g",
                Map.of("spark.decommission.enabled", "true"))) {
            Decommissioned d = decommissionDuringRound2(own, dir.resolve("out-migration"), "migration",
                    "--conf", "spark.storage.decommission.enabled=true");
            assertTrue(d.output().matches("(?s).*executor \\d+ is being decommissioned: 1 of 2 workers from round \\d+ "
                    + "of epoch 1.*"), "the job noticed the decommission at a round boundary:\n" + d.output());
            List<String> refused = executorLines(own, "cannot be saved on decommissioned executor|stores no new blocks");
            assertFalse(refused.isEmpty(), "the leaving executor's task stopped: it could not publish");
        }
    }

    /** A run of two epochs, SIGPWR to an executor's Worker while round 2's fit job runs, and what holds either way. */
    private static Decommissioned decommissionDuringRound2(StandaloneCluster on, Path out, String runId,
                                                           String... submitOptions) throws Exception {
        int uiPort;
        try (ServerSocket s = new ServerSocket(0)) {
            uiPort = s.getLocalPort();
        }
        List<String> args = new ArrayList<>(List.of("--conf", "spark.decommission.enabled=true",
                "--conf", "spark.ui.port=" + uiPort));
        args.addAll(List.of(submitOptions));
        args.addAll(List.of("train", "--data", RealCifar.dir().toString(), "--output", out.toString(), "--run-id", runId,
                "--epochs", "2", "--limit-train", Integer.toString(IMAGES), "--limit-test", "100",
                "--batch-size-per-worker", "64", "--averaging-frequency", "1", "--progress-seconds", "2"));
        ScriptRun.Running running = ScriptRun.start(StandaloneCluster.SUBMIT_ENV, "submit/standalone.sh",
                on.submitArgs(2, args.toArray(new String[0])));
        // SIGPWR while round 2's fit job runs (jobs 0 and 1 start the workers, 2 and 3 are round 1): the
        // preemption notice that comes while a worker trains, which the job promises to cost nothing.
        // (One that comes between a worker's task and the averaging job's read of its slices can cost
        // the round: docs/reliability.md.)
        String during = ExecutorChaos.awaitRunningJob(uiPort, "all-reduce fit \\(job 4\\)", running.process(),
                Duration.ofMinutes(8));
        String soFar = running.output();
        assertFalse(during.isEmpty(), () -> "round 2 of epoch 1 was fitted:\n" + soFar
                + "\nthe cluster's logs:\n" + on.problems());
        ProcessHandle executor = on.executors().get(0);
        decommissionWorkerOf(executor);
        ScriptRun run = running.await(Duration.ofMinutes(15));
        String output = run.output();
        output.lines().filter(l -> l.contains("executor ") && (l.contains("decommission") || l.contains(" joined:")
                || l.contains(" lost ") || l.contains(" left "))).forEach(l -> System.out.println("decommission event: " + l));

        assertEquals(0, run.exitCode(), () -> output + "\nthe cluster's logs:\n" + on.problems());
        assertFalse(output.contains("lost in round"), "no round was lost:\n" + output);
        assertFalse(output.contains("fitting it again"), "no round was fitted again:\n" + output);
        assertFalse(output.contains("starting the epoch again"), "no epoch started again:\n" + output);
        List<Row> rows = LocalRun.rows(out, runId);
        assertEquals(2, rows.size(), output);
        for (Row r : rows) {
            assertEquals((long) IMAGES, (long) r.getAs("train_images"), "each image once");
        }
        assertEquals(1, (int) rows.get(0).getAs("workers_min"));
        assertEquals(2, (int) rows.get(0).getAs("workers_max"));
        return new Decommissioned(executor, output);
    }

    private record Decommissioned(ProcessHandle executor, String output) {
    }

    /** SIGPWR to the Worker that runs {@code executor}: how an operator or a preemption notice decommissions it. */
    private static void decommissionWorkerOf(ProcessHandle executor) throws Exception {
        ProcessHandle worker = executor.parent().orElseThrow();
        Process signal = new ProcessBuilder("kill", "-PWR", Long.toString(worker.pid())).inheritIO().start();
        assertTrue(signal.waitFor(10, TimeUnit.SECONDS) && signal.exitValue() == 0, "SIGPWR sent to the Worker");
    }

    /** The executors' log lines matching {@code regex} (printed as they are found). */
    private static List<String> executorLines(StandaloneCluster on, String regex) throws Exception {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex);
        List<String> found = new ArrayList<>();
        for (Path log : on.executorLogs()) {
            Files.readAllLines(log).stream().filter(l -> p.matcher(l).find()).forEach(found::add);
        }
        found.forEach(l -> System.out.println("decommission event (executor): " + l));
        return found;
    }

    /**
     * The mechanism the first test relies on, alone: SIGPWR while a task runs. The executor exits as
     * soon as that task ends, so the task must see that it is leaving and put its blocks where they
     * outlive it. {@link LeavingExecutorApp}'s task waits for the decommission, publishes a block as a
     * worker publishes its slices, and the block is read after the executor has gone.
     */
    @Test
    void aTaskOnADecommissionedExecutorPublishesBlocksThatOutliveIt() throws Exception {
        Path marker = dir.resolve("leaving-task.pid");
        try (StandaloneCluster own = StandaloneCluster.start(dir.resolve("cluster-leaving"), 2, 1, "1g",
                Map.of("spark.decommission.enabled", "true"))) {
            List<String> cmd = StandaloneCluster.applicationCommand("1g", LeavingExecutorApp.class.getName(),
                    own.masterUrl(), StandaloneCluster.jobJar().toString(),
                    StandaloneCluster.ROOT.resolve("target/test-classes").toString(), marker.toString());
            Path log = dir.resolve("leaving-app.log");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(StandaloneCluster.SUBMIT_ENV);
            Process app = pb.start();
            try {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                while (!Files.exists(marker) && app.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertTrue(Files.exists(marker), "the task started:\n" + Files.readString(log));
                ProcessHandle executor = ProcessHandle.of(Long.parseLong(Files.readString(marker).trim())).orElseThrow();
                decommissionWorkerOf(executor);
                assertTrue(app.waitFor(5, TimeUnit.MINUTES), "the app finished:\n" + Files.readString(log));
                String output = Files.readString(log);
                output.lines().filter(l -> l.matches("(leaving|copies|gone|read)=.*"))
                        .forEach(l -> System.out.println("leaving executor app: " + l));
                assertEquals(0, app.exitValue(), output);
                assertFalse(executor.isAlive(), "the decommissioned executor left");
                assertTrue(output.contains("leaving=true"), "the task saw its executor being decommissioned:\n" + output);
                assertTrue(output.matches("(?s).*copies=\\[\\d+, \\d+\\].*"), "the block has a second holder:\n" + output);
                assertTrue(output.contains("gone=true"), "the writer's executor was removed:\n" + output);
                String read = output.lines().filter(l -> l.startsWith("read=")).findFirst().orElseThrow();
                String[] sums = read.split(" ");
                assertEquals(sums[1].substring("written=".length()), sums[0].substring("read=".length()),
                        "the block read after its writer left holds what was written:\n" + output);
            } finally {
                app.destroyForcibly();
            }
        }
    }
}
