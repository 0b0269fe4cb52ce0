package io.github.sparkresnet.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.spark.TestSpark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A standalone cluster that lets no one in without its secret: the Master and Workers require
 * authentication ({@code spark.authenticate}) and accept only AES-encrypted connections
 * ({@code spark.network.crypto.enabled}, no SASL fallback). The job, given the secret with
 * {@code --secret-file} and local I/O encryption on, trains on two executors (the all-reduce blocks
 * move between them over those connections); the secret appears in no log, output file or metrics
 * row; a submission with a wrong secret is refused with one error line.
 */
class SecureClusterIT {
    private static final String SECRET = HexFormat.of().formatHex(new SecureRandom().generateSeed(24));

    @TempDir
    Path dir;

    @Test
    void trainsWithTheSecretAndIsRefusedWithAnother() throws Exception {
        String data = RealCifar.dir().toString();
        Path out = dir.resolve("out");
        Map<String, String> locked = Map.of("spark.authenticate", "true", "spark.authenticate.secret", SECRET,
                "spark.network.crypto.enabled", "true", "spark.network.crypto.saslFallback", "false");
        try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, 1, "3g", locked)) {
            // The wrong secret is refused only after Spark's registration attempts (about a minute of
            // waiting), so that submission runs beside the others.
            ScriptRun.Running intruder = ScriptRun.start(StandaloneCluster.SUBMIT_ENV, "submit/standalone.sh",
                    cluster.submitArgs(2, trainArgs(secretFile("wrong", "not-" + SECRET), "intruder", data, out)));
            ScriptRun run = submit(cluster, secretFile("secret", SECRET), "secure", data, out);
            assertEquals(0, run.exitCode(), run.output());
            assertTrue(run.output().contains("security: authentication on, network encryption on, local I/O encryption on"),
                    run.output());
            assertTrue(run.output().contains("run secure done"), run.output());
            List<Row> rows = TestSpark.get().read().parquet(out.resolve("metrics").toString()).collectAsList();
            assertEquals(1, rows.size());
            assertEquals(2, (int) rows.get(0).getAs("workers"));
            assertEquals(128L, (long) rows.get(0).getAs("train_images"), "every image fitted once, on both executors");
            assertEquals(2, cluster.executorLogs().size(), "both executors ran");

            // the dry-run plan prints the run's settings: the job's options, never Spark's
            ScriptRun plan = submit(cluster, secretFile("secret", SECRET), "secure-plan", data, out, "--dry-run");
            assertEquals(0, plan.exitCode(), plan.output());
            assertTrue(plan.output().contains("option run-id = secure-plan"), plan.output());

            ScriptRun refused = intruder.await(Duration.ofMinutes(10));
            assertNotEquals(0, refused.exitCode(), refused.output());
            List<String> errors = refused.output().lines().filter(l -> l.startsWith("error: ")).collect(Collectors.toList());
            assertEquals(1, errors.size(), refused.output());
            assertTrue(errors.get(0).contains("spark.authenticate.secret"), errors.get(0));
            assertFalse(Files.exists(out.resolve("metrics/run_id=intruder")), "a refused run writes nothing");

            String everything = run.output() + plan.output() + refused.output() + text(cluster.daemonLogs()) + text(cluster.executorLogs())
                    + text(files(out, ".properties")) + rows.toString();
            assertFalse(everything.contains(SECRET), "the secret leaked into a log, a description or the metrics");
        }
    }

    private ScriptRun submit(StandaloneCluster cluster, Path secretFile, String runId, String data, Path out,
                             String... extra) throws Exception {
        return ScriptRun.run(StandaloneCluster.SUBMIT_ENV, 10, "submit/standalone.sh",
                cluster.submitArgs(2, trainArgs(secretFile, runId, data, out, extra)));
    }

    /** submit/standalone.sh's job arguments for a one-epoch run of {@code runId} with the secret in {@code secretFile}. */
    private static String[] trainArgs(Path secretFile, String runId, String data, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("--secret-file", secretFile.toString(),
                "--conf", "spark.network.crypto.enabled=true", "--conf", "spark.io.encryption.enabled=true",
                "train", "--data", data, "--output", out.toString(), "--run-id", runId, "--epochs", "1",
                "--limit-train", "128", "--limit-test", "64", "--batch-size-per-worker", "32",
                "--averaging-frequency", "1"));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    private Path secretFile(String name, String secret) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, "");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(f, secret + "\n");
        return f;
    }

    private static List<Path> files(Path root, String suffix) throws Exception {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.toString().endsWith(suffix)).collect(Collectors.toList());
        }
    }

    private static String text(List<Path> files) throws Exception {
        StringBuilder all = new StringBuilder();
        for (Path f : files) {
            all.append(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        return all.toString();
    }
}
