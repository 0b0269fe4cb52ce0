package io.github.sparkresnet.bench;

import io.github.sparkresnet.eval.MetricsTable;
import io.github.sparkresnet.spark.SparkSessions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads the runs {@code bench/time-to-accuracy.sh} made and prints, per run, each epoch's accuracy
 * and the seconds from the command's start to the epoch's {@code end_time}; then per target the first
 * epoch reaching it and its time, per seed and as a mean (only when every seed reached it).
 *
 * <p>Arguments: {@code OUTPUT_DIR STARTS_FILE RECIPE TARGET...}; the starts file holds one line per run:
 * {@code RUN_ID SEED START_EPOCH_SECONDS}.
 */
public final class TimeToAccuracyReport {
    private TimeToAccuracyReport() {
    }

    private record Epoch(int epoch, double accuracy, double seconds, String split) {
    }

    private static double seconds(Timestamp t) {
        return t.getTime() / 1000.0 + (t.getNanos() % 1_000_000) / 1e9;
    }

    public static void main(String[] args) throws Exception {
        String output = args[0];
        List<String> starts = Files.readAllLines(Path.of(args[1]));
        String recipe = args[2];
        SparkConf conf = new SparkConf().setMaster("local[1]").setAppName("time-to-accuracy-report")
                .set("spark.ui.enabled", "false");
        SparkSession spark = SparkSession.builder().config(SparkSessions.applyRequired(conf)).getOrCreate();
        MetricsTable table = new MetricsTable(spark, output);
        List<List<Epoch>> runs = new ArrayList<>();
        List<String> seeds = new ArrayList<>();
        for (String line : starts) {
            String[] f = line.trim().split("\\s+");
            double start = Double.parseDouble(f[2]);
            List<Epoch> epochs = new ArrayList<>();
            double previousEnd = start;
            for (Row r : table.rows(f[0])) {
                double end = seconds(r.getAs("end_time"));
                Epoch e = new Epoch(((Number) r.getAs("epoch")).intValue(), r.getAs("val_accuracy"), end - start,
                        r.getAs("val_split"));
                epochs.add(e);
                // before epoch 1: start-up (JVM, Spark, data, network); after: committing the previous epoch
                System.out.printf(Locale.ROOT, "epoch recipe=%s seed=%s epoch=%d val_accuracy=%.4f on=%s "
                                + "since_start_s=%.1f train_s=%.1f eval_s=%.1f before_s=%.1f%n", recipe, f[1], e.epoch(),
                        e.accuracy(), e.split(), e.seconds(), (double) r.getAs("train_seconds"),
                        (double) r.getAs("eval_seconds"), seconds(r.getAs("start_time")) - previousEnd);
                previousEnd = end;
            }
            runs.add(epochs);
            seeds.add(f[1]);
        }
        for (int t = 3; t < args.length; t++) {
            double target = Double.parseDouble(args[t]);
            double sum = 0;
            boolean all = true;
            for (int i = 0; i < runs.size(); i++) {
                Epoch first = runs.get(i).stream().filter(e -> e.accuracy() >= target - 1e-12).findFirst().orElse(null);
                if (first == null) {
                    all = false;
                    System.out.printf(Locale.ROOT, "time_to recipe=%s seed=%s target=%.2f not reached (best %.4f)%n",
                            recipe, seeds.get(i), target,
                            runs.get(i).stream().mapToDouble(Epoch::accuracy).max().orElse(Double.NaN));
                } else {
                    sum += first.seconds();
                    System.out.printf(Locale.ROOT, "time_to recipe=%s seed=%s target=%.2f epoch=%d s=%.1f%n", recipe,
                            seeds.get(i), target, first.epoch(), first.seconds());
                }
            }
            System.out.printf(Locale.ROOT, "time_to_mean recipe=%s target=%.2f %s%n", recipe, target,
                    all ? String.format(Locale.ROOT, "s=%.1f (every seed reached it)", sum / runs.size())
                            : "not reached by every seed");
        }
        double finals = runs.stream().mapToDouble(r -> r.isEmpty() ? Double.NaN : r.get(r.size() - 1).accuracy())
                .average().orElse(Double.NaN);
        System.out.printf(Locale.ROOT, "final_mean recipe=%s val_accuracy=%.4f over %d seeds%n", recipe, finals,
                runs.size());
        spark.stop();
    }
}
