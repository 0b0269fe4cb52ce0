package io.github.sparkresnet.bench;

import io.github.sparkresnet.reliability.ExecutorChaos;
import io.github.sparkresnet.submit.StandaloneCluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What repeated executor loss costs: on one standalone cluster (two 1-core Workers), the same run
 * twice, side by side: undisturbed, then with a random executor killed every INTERVAL seconds
 * ({@link ExecutorChaos}). Prints each kill, both runs' epochs, and the time each kill cost on average.
 *
 * <p>Usage: {@code ChaosBench CIFAR_DIR IMAGES EPOCHS INTERVAL_SECONDS SEED}
 */
public final class ChaosBench {
    public static void main(String[] args) throws Exception {
        String data = args[0];
        int images = Integer.parseInt(args[1]);
        int epochs = Integer.parseInt(args[2]);
        Duration interval = Duration.ofSeconds(Long.parseLong(args[3]));
        long seed = Long.parseLong(args[4]);
        Path work = Files.createTempDirectory("chaos-bench");
        SparkSession reader = SparkSession.builder().master("local[1]").appName("read-metrics")
                .config("spark.ui.enabled", "false").getOrCreate();
        try (StandaloneCluster cluster = StandaloneCluster.start(work.resolve("cluster"), 2, 1, "3g")) {
            ExecutorChaos.Result calm = run(cluster, work, data, images, epochs, "calm", Duration.ZERO, seed);
            if (calm.run().exitCode() != 0) {
                throw new IllegalStateException("the undisturbed run failed:\n" + calm.run().output());
            }
            ExecutorChaos.Result chaos = run(cluster, work, data, images, epochs, "chaos", interval, seed);
            for (ExecutorChaos.Kill k : chaos.kills()) {
                System.out.println("chaos " + k);
            }
            if (chaos.run().exitCode() != 0) {
                // a result too: how much loss the run cannot absorb
                String error = chaos.run().output().lines().filter(l -> l.startsWith("error:") || l.contains("Exception:"))
                        .reduce((a, b) -> b).orElse("(no error line)");
                System.out.printf("chaos_run images=%d epochs=%d interval_s=%d kills=%d FAILED after %.1f s (exit %d): %s%n",
                        images, epochs, interval.toSeconds(), chaos.kills().size(), chaos.seconds(),
                        chaos.run().exitCode(), error);
                System.exit(1);
            }
            List<Row> calmRows = rows(reader, work, "calm");
            List<Row> chaosRows = rows(reader, work, "chaos");
            for (int e = 0; e < epochs; e++) {
                System.out.printf("chaos epoch %d: train %.1f s undisturbed, %.1f s with kills; %d / %d images%n", e + 1,
                        (double) calmRows.get(e).getAs("train_seconds"), (double) chaosRows.get(e).getAs("train_seconds"),
                        (long) calmRows.get(e).getAs("train_images"), (long) chaosRows.get(e).getAs("train_images"));
            }
            int restarts = chaos.run().output().split("starting the epoch again", -1).length - 1;
            System.out.printf("chaos_run images=%d epochs=%d interval_s=%d kills=%d epoch_restarts=%d undisturbed_s=%.1f "
                            + "with_kills_s=%.1f cost_per_kill_s=%.1f%n", images, epochs, interval.toSeconds(),
                    chaos.kills().size(), restarts, calm.seconds(), chaos.seconds(),
                    (chaos.seconds() - calm.seconds()) / Math.max(1, chaos.kills().size()));
        }
        System.exit(0);
    }

    private static ExecutorChaos.Result run(StandaloneCluster cluster, Path work, String data, int images, int epochs,
                                            String runId, Duration interval, long seed) throws Exception {
        return ExecutorChaos.run(cluster, 2, interval, seed, List.of(), "--data", data,
                "--output", work.resolve("out").toString(), "--run-id", runId, "--epochs", Integer.toString(epochs),
                "--limit-train", Integer.toString(images), "--limit-test", "200", "--batch-size-per-worker", "32",
                "--averaging-frequency", "2", "--progress-seconds", "5");
    }

    private static List<Row> rows(SparkSession reader, Path work, String runId) {
        return reader.read().parquet(work.resolve("out/metrics").toString()).filter("run_id = '" + runId + "'")
                .orderBy("epoch").collectAsList();
    }
}
