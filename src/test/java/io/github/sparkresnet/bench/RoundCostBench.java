package io.github.sparkresnet.bench;

import io.github.sparkresnet.cli.Main;
import io.github.sparkresnet.spark.SparkSessions;
import io.github.sparkresnet.train.TrainConfig;
import io.github.sparkresnet.train.TrainingJob;

import java.nio.file.Files;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The cost of one parameter-averaging round on local[W], for several W and both {@code --averaging}
 * kinds, in one JVM run: the same images trained for one epoch at a low and a high averaging
 * frequency; (fit time difference) / (round count difference) is what a round costs beyond its
 * compute. Each W's session first runs one untimed round, so JIT compilation and the first network
 * builds fall outside both measurements. Also counts, for the epoch with more rounds, what passed
 * through the driver per round ({@link DriverTraffic}); the listener bus delivers its events
 * asynchronously, so the counts are read after the bus has drained.
 *
 * <p>Usage: {@code RoundCostBench CIFAR_DIR IMAGES BATCH FREQ_MANY FREQ_FEW AVERAGING[,AVERAGING] W...}
 */
public final class RoundCostBench {
    public static void main(String[] args) throws Exception {
        String dir = args[0];
        int images = Integer.parseInt(args[1]);
        int batch = Integer.parseInt(args[2]);
        int many = Integer.parseInt(args[3]);
        int few = Integer.parseInt(args[4]);
        String[] kinds = args[5].split(",");
        for (int i = 6; i < args.length; i++) {
            int w = Integer.parseInt(args[i]);
            SparkSession spark = SparkSession.builder().config(SparkSessions.applyRequired(new SparkConf()
                    .setMaster("local[" + w + "]").setAppName("round-cost").set("spark.ui.enabled", "false"))).getOrCreate();
            DriverTraffic traffic = new DriverTraffic();
            spark.sparkContext().addSparkListener(traffic);
            epoch(spark, dir, batch * w, batch, 1, w, kinds[0]); // warm-up
            for (String kind : kinds) {
                drain(spark);
                traffic.reset();
                Row a = epoch(spark, dir, images, batch, many, w, kind);
                drain(spark);
                long received = traffic.received();
                long broadcast = traffic.broadcast();
                Row b = epoch(spark, dir, images, batch, few, w, kind);
                double ta = a.getAs("train_seconds");
                double tb = b.getAs("train_seconds");
                int ra = a.getAs("averaging_rounds");
                int rb = b.getAs("averaging_rounds");
                System.out.printf("round_cost averaging=%s workers=%d images=%d batch=%d: every %d -> %d rounds %.1f s; "
                        + "every %d -> %d rounds %.1f s; round_cost_s=%.2f; through the driver per round (epoch of "
                        + "%d rounds, evaluation and checkpoint included): task results %.1f KB, broadcast %.1f KB%n",
                        kind, w, images, batch, many, ra, ta, few, rb, tb, (ta - tb) / (ra - rb), ra,
                        received / 1e3 / ra, broadcast / 1e3 / ra);
            }
            spark.stop();
        }
        System.exit(0);
    }

    /** Waits until the listener bus has delivered every event posted so far. */
    private static void drain(SparkSession spark) throws Exception {
        spark.sparkContext().listenerBus().waitUntilEmpty();
    }

    private static Row epoch(SparkSession spark, String dir, int images, int batch, int freq, int workers, String kind)
            throws Exception {
        String out = Files.createTempDirectory("round-cost").toString();
        TrainConfig c = Main.trainConfig("--data", dir, "--epochs", "1", "--batch-size-per-worker", "" + batch,
                "--workers", "" + workers, "--averaging-frequency", "" + freq, "--output", out, "--run-id", "r",
                "--limit-train", "" + images, "--limit-test", "100", "--progress-seconds", "600", "--averaging", kind);
        TrainingJob job = new TrainingJob(spark, c);
        job.run(job.plan());
        return spark.read().parquet(out + "/metrics").first();
    }
}
