package io.github.sparkresnet.bench;

import io.github.sparkresnet.submit.StandaloneCluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Scaling on a real standalone cluster on 127.0.0.1 (two 1-core Workers), for each {@code --averaging}
 * kind: the same small-subset epoch submitted with 1 executor and with 2 executors (1 core each),
 * through submit/standalone.sh. Then the cost of one averaging round: the same epoch with 2 executors
 * at two averaging frequencies; the difference in fit time over the difference in rounds is what a
 * round costs beyond its compute.
 *
 * <p>Usage: {@code ClusterScalingBench CIFAR_DIR IMAGES BATCH FREQ FREQ_FEW_ROUNDS AVERAGING[,AVERAGING] [KEY=VALUE...]}
 * (extra Spark settings for every submission). An AVERAGING may carry settings of its own, for
 * comparing them side by side on one cluster: {@code allreduce+spark.sparkresnet.stateCopies=1}.
 */
public final class ClusterScalingBench {
    public static void main(String[] args) throws Exception {
        String data = args[0];
        int images = Integer.parseInt(args[1]);
        int batch = Integer.parseInt(args[2]);
        int freq = Integer.parseInt(args[3]);
        int fewRoundsFreq = Integer.parseInt(args[4]);
        String[] kinds = args[5].split(",");
        List<String> extraConf = List.of(args).subList(6, args.length);
        Path work = Files.createTempDirectory("cluster-bench");
        SparkSession reader = SparkSession.builder().master("local[1]").appName("read-metrics")
                .config("spark.ui.enabled", "false").getOrCreate();
        try (StandaloneCluster cluster = StandaloneCluster.start(work.resolve("cluster"), 2, 1, "4g")) {
            for (String kindAndSettings : kinds) {
                String[] parts = kindAndSettings.split("\\+");
                String kind = parts[0];
                String label = kindAndSettings.replaceAll("[^A-Za-z0-9._-]", "_");
                List<String> conf = new ArrayList<>(extraConf);
                conf.addAll(List.of(parts).subList(1, parts.length));
                Row one = epoch(cluster, reader, work, data, 1, images, batch, freq, label + "-one", kind, conf);
                Row two = epoch(cluster, reader, work, data, 2, images, batch, freq, label + "-two", kind, conf);
                Row twoFew = epoch(cluster, reader, work, data, 2, images, batch, fewRoundsFreq, label + "-two-few", kind,
                        conf);
                double s1 = one.getAs("train_img_per_s");
                double s2 = two.getAs("train_img_per_s");
                double t2 = two.getAs("train_seconds");
                double t2few = twoFew.getAs("train_seconds");
                int r2 = two.getAs("averaging_rounds");
                int r2few = twoFew.getAs("averaging_rounds");
                double roundCost = (t2 - t2few) / (r2 - r2few);
                System.out.printf("cluster %s 1 executor x 1 core: %.1f img/s (%d rounds, %.1f s)%n", kindAndSettings, s1,
                        (int) one.getAs("averaging_rounds"), (double) one.getAs("train_seconds"));
                System.out.printf("cluster %s 2 executors x 1 core: %.1f img/s (%d rounds, %.1f s); averaging every %d: "
                        + "%d rounds, %.1f s%n", kindAndSettings, s2, r2, t2, fewRoundsFreq, r2few, t2few);
                System.out.printf("cluster_scaling averaging=%s images=%d batch=%d freq=%d speedup=%.2f round_cost_s=%.2f%n",
                        kindAndSettings, images, batch, freq, s2 / s1, roundCost);
            }
        }
        System.exit(0);
    }

    private static Row epoch(StandaloneCluster cluster, SparkSession reader, Path work, String data, int executors,
                             int images, int batch, int freq, String runId, String kind, List<String> extraConf)
            throws Exception {
        Path out = work.resolve("out-" + runId);
        List<String> cmd = new ArrayList<>(List.of("bash", StandaloneCluster.ROOT.resolve("submit/standalone.sh").toString(),
                "--master", cluster.masterUrl(), "--executors", Integer.toString(executors), "--executor-cores", "1",
                "--executor-memory", "2g", "--executor-offheap", "4g", "--driver-memory", "3g",
                "--conf", "spark.driver.host=127.0.0.1"));
        for (String kv : extraConf) {
            cmd.addAll(List.of("--conf", kv));
        }
        cmd.addAll(List.of("train", "--data", data, "--output", out.toString(), "--run-id", runId, "--epochs", "1",
                "--limit-train", Integer.toString(images), "--limit-test", "200",
                "--batch-size-per-worker", Integer.toString(batch), "--averaging-frequency", Integer.toString(freq),
                "--averaging", kind));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().remove("SPARK_HOME");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("run " + runId + " failed");
        }
        Row row = reader.read().parquet(out.resolve("metrics").toString()).first();
        Scratch.delete(out);
        return row;
    }
}
