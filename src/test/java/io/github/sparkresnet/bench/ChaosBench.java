package io.github.sparkresnet.bench;

import io.github.sparkresnet.reliability.ExecutorChaos;
import io.github.sparkresnet.submit.StandaloneCluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What repeated executor loss costs: on one standalone cluster (two 1-core Workers), the same run
 * side by side: undisturbed, then with a random executor killed every INTERVAL seconds
 * ({@link ExecutorChaos}, the same kill schedule for every run), once per recovery given:
 * {@code round} (the default: a loss costs the round it hit, the state having a copy on another
 * executor) and {@code epoch} ({@code spark.sparkresnet.stateCopies=1}: no copy, so a loss costs
 * the epoch). With {@code calm1}, also the undisturbed run on one executor; with {@code alone}, one
 * kill that takes the executor's Worker too, so no replacement comes and the run trains on with one
 * executor: to compare with {@code calm1} (the Worker is started again before the next run). A
 * kind may add Spark settings after a {@code +} ({@code alone+spark.sparkresnet.driverCopyShare=1}).
 * Prints each kill, the events the driver logged, the driver's copies of the state between rounds,
 * every run's epochs, and the training time each kill cost on average: in all, and beyond what the
 * failed rounds had computed when they failed (the driver logs it with each loss). With
 * {@code -Dchaos.placement=pinned} each Worker and its executors run on a CPU of their own
 * ({@link StandaloneCluster#startPinned}), as on hosts of their own: a replacement then starts on the
 * CPU the lost executor left instead of sharing the survivor's. {@code -Dchaos.trainOptions} replaces the
 * runs' minibatch and averaging options ({@value #SMALL_ROUNDS}: many short rounds, so that many kills
 * land in a short bench; the default recipe's {@code --batch-size-per-worker 64 --averaging-frequency 10}
 * gives rounds of a real run's size). With {@code calm1}, the last line compares every run's training
 * rate with the undisturbed one-executor run's.
 *
 * <p>Usage: {@code ChaosBench CIFAR_DIR IMAGES EPOCHS INTERVAL_SECONDS SEED [round|epoch|alone|calm1[+key=value...] ...]}
 */
public final class ChaosBench {
    /** The runs' minibatch and averaging options unless {@code -Dchaos.trainOptions} says otherwise. */
    static final String SMALL_ROUNDS = "--batch-size-per-worker 32 --averaging-frequency 2";
    private static final String[] EVENTS = {"lost in round", "lost after round", "joined:", "decommissioned",
        "fitting it again", "fitted again", "starting the epoch again", "waiting up to"};

    public static void main(String[] args) throws Exception {
        String data = args[0];
        int images = Integer.parseInt(args[1]);
        int epochs = Integer.parseInt(args[2]);
        Duration interval = Duration.ofSeconds(Long.parseLong(args[3]));
        long seed = Long.parseLong(args[4]);
        List<String> modes = args.length > 5 ? List.of(args).subList(5, args.length) : List.of("epoch", "round");
        Path work = Files.createTempDirectory("chaos-bench");
        SparkSession reader = SparkSession.builder().master("local[1]").appName("read-metrics")
                .config("spark.ui.enabled", "false").getOrCreate();
        boolean allCompleted = true;
        String placement = System.getProperty("chaos.placement", "shared");
        if (!placement.equals("shared") && !placement.equals("pinned")) {
            throw new IllegalArgumentException("placement: expected shared or pinned, found " + placement);
        }
        System.out.println("chaos placement=" + placement + (placement.equals("pinned")
                ? " (each Worker and its executors on a CPU of their own)" : " (every process on every CPU)"));
        try (StandaloneCluster cluster = placement.equals("pinned")
                ? StandaloneCluster.startPinned(work.resolve("cluster"), 2, 1, "3g")
                : StandaloneCluster.start(work.resolve("cluster"), 2, 1, "3g")) {
            ExecutorChaos.Result calm = run(cluster, 2, work, data, images, epochs, "calm", Duration.ZERO, seed, List.of());
            if (calm.run().exitCode() != 0) {
                throw new IllegalStateException("the undisturbed run failed:\n" + calm.run().output());
            }
            List<Row> calmRows = rows(reader, work, "calm");
            double oneExecutorTrainSeconds = Double.NaN;
            Map<String, Double> runTrainSeconds = new LinkedHashMap<>(); // to compare with calm1's
            runTrainSeconds.put("undisturbed", trainSeconds(calmRows));
            System.out.printf("chaos_run recovery=none kills=0 executors=2 seconds=%.1f train_s=%.1f%n", calm.seconds(),
                    trainSeconds(calmRows));
            for (String mode : modes) {
                cluster.replaceLostWorkers(); // after an alone run
                if (mode.equals("calm1")) {
                    ExecutorChaos.Result one = run(cluster, 1, work, data, images, epochs, "calm1", Duration.ZERO, seed,
                            List.of());
                    oneExecutorTrainSeconds = trainSeconds(rows(reader, work, "calm1"));
                    System.out.printf("chaos_run recovery=none kills=0 executors=1 seconds=%.1f train_s=%.1f%n",
                            one.seconds(), oneExecutorTrainSeconds);
                    continue;
                }
                // a mode may add Spark settings: alone+spark.sparkresnet.driverCopyShare=1
                String[] parts = mode.split("\\+");
                String kind = parts[0];
                List<String> conf = new ArrayList<>(kind.equals("epoch")
                        ? List.of("--conf", "spark.sparkresnet.stateCopies=1", "--conf", "spark.sparkresnet.epochAttempts=8")
                        : List.of());
                for (int k = 1; k < parts.length; k++) {
                    conf.addAll(List.of("--conf", parts[k]));
                }
                String runId = "chaos-" + mode.replaceAll("[^A-Za-z0-9]+", "-");
                if (runId.length() > 60) { // --run-id takes 100 characters at most
                    runId = runId.substring(0, 50) + "-" + Integer.toHexString(mode.hashCode());
                }
                ExecutorChaos.Result chaos = kind.equals("alone")
                        ? ExecutorChaos.run(cluster, 2, Duration.ofHours(1), seed, null, true, conf,
                                trainArgs(work, data, images, epochs, runId))
                        : run(cluster, 2, work, data, images, epochs, runId, interval, seed, conf);
                Path log = work.resolve(runId + ".log");
                Files.writeString(log, chaos.run().output());
                System.out.println("chaos " + mode + " driver log: " + log);
                for (ExecutorChaos.Kill k : chaos.kills()) {
                    System.out.println("chaos " + mode + " " + k);
                }
                chaos.run().output().lines().filter(l -> List.of(EVENTS).stream().anyMatch(l::contains))
                        .forEach(l -> System.out.println("chaos " + mode + " event: " + l.replaceFirst("^.*? - ", "")));
                if (chaos.run().exitCode() != 0) {
                    // a result too: how much loss the run cannot absorb
                    String error = chaos.run().output().lines()
                            .filter(l -> l.startsWith("error:") || l.contains("Exception:")).reduce((a, b) -> b)
                            .orElse("(no error line)");
                    System.out.printf("chaos_run recovery=%s interval_s=%d kills=%d FAILED after %.1f s (exit %d): %s%n",
                            mode, interval.toSeconds(), chaos.kills().size(), chaos.seconds(), chaos.run().exitCode(),
                            error);
                    allCompleted = false;
                    continue;
                }
                List<Row> chaosRows = rows(reader, work, runId);
                for (int e = 0; e < epochs; e++) {
                    System.out.printf("chaos %s epoch %d: train %.1f s undisturbed, %.1f s with kills; %d / %d images; "
                                    + "workers %d-%d%n", mode, e + 1, (double) calmRows.get(e).getAs("train_seconds"),
                            (double) chaosRows.get(e).getAs("train_seconds"), (long) calmRows.get(e).getAs("train_images"),
                            (long) chaosRows.get(e).getAs("train_images"), (int) chaosRows.get(e).getAs("workers_min"),
                            (int) chaosRows.get(e).getAs("workers_max"));
                }
                int restarts = chaos.run().output().split("starting the epoch again", -1).length - 1;
                Matcher copies = Pattern.compile("the driver copied the state (\\d+) times \\((\\d+\\.\\d) s in all\\)")
                        .matcher(chaos.run().output());
                int copyCount = 0;
                double copySeconds = 0;
                while (copies.find()) {
                    copyCount += Integer.parseInt(copies.group(1));
                    copySeconds += Double.parseDouble(copies.group(2));
                }
                System.out.printf("chaos %s driver copies of the state between rounds: %d, %.1f s%n", mode, copyCount,
                        copySeconds);
                // what the failed rounds had computed before they failed, as the driver logs it
                Matcher into = Pattern.compile("\\((\\d+\\.\\d) s into it\\)").matcher(chaos.run().output());
                int roundFailures = 0; // a round can fail several times before it is fitted
                double lostCompute = 0;
                while (into.find()) {
                    roundFailures++;
                    lostCompute += Double.parseDouble(into.group(1));
                }
                // from each failure to the end of the round fitted again in its place
                Matcher again = Pattern.compile("fitted again with \\d+ of \\d+ workers, (\\d+\\.\\d) s after it failed")
                        .matcher(chaos.run().output());
                List<Double> recoveries = new ArrayList<>();
                while (again.find()) {
                    recoveries.add(Double.parseDouble(again.group(1)));
                }
                double calmRound = trainSeconds(calmRows) / calmRows.stream()
                        .mapToInt(r -> (int) r.getAs("averaging_rounds")).sum();
                System.out.printf("chaos_recovery recovery=%s rounds_fitted_again=%d seconds_from_failure_to_redone_round=%s "
                        + "undisturbed_round_s=%.2f%n", mode, recoveries.size(), recoveries, calmRound);
                runTrainSeconds.put(mode, trainSeconds(chaosRows));
                int kills = Math.max(1, chaos.kills().size());
                double perKill = (trainSeconds(chaosRows) - trainSeconds(calmRows)) / kills;
                System.out.printf("chaos_run recovery=%s images=%d epochs=%d interval_s=%d kills=%d epoch_restarts=%d "
                                + "round_failures=%d undisturbed_s=%.1f with_kills_s=%.1f train_s=%.1f (undisturbed %.1f) "
                                + "cost_per_kill_s=%.1f of which lost_round_compute_s=%.1f, beyond=%.1f%n",
                        mode, images, epochs, interval.toSeconds(), chaos.kills().size(), restarts, roundFailures,
                        calm.seconds(), chaos.seconds(), trainSeconds(chaosRows), trainSeconds(calmRows), perKill,
                        lostCompute / kills, perKill - lostCompute / kills);
            }
            if (!Double.isNaN(oneExecutorTrainSeconds)) {
                // the same images in every run: the ratio of training times is the ratio of rates
                for (Map.Entry<String, Double> run : runTrainSeconds.entrySet()) {
                    System.out.printf("chaos_rate run=%s train_s=%.1f rate_of_one_undisturbed_executor=%.0f%%%n",
                            run.getKey(), run.getValue(), 100 * oneExecutorTrainSeconds / run.getValue());
                }
            }
        } finally {
            Scratch.delete(work.resolve("out")); // the driver logs stay
        }
        System.exit(allCompleted ? 0 : 1);
    }

    private static ExecutorChaos.Result run(StandaloneCluster cluster, int executors, Path work, String data, int images,
                                            int epochs, String runId, Duration interval, long seed, List<String> conf)
            throws Exception {
        return ExecutorChaos.run(cluster, executors, interval, seed, new ArrayList<>(conf),
                trainArgs(work, data, images, epochs, runId));
    }

    private static String[] trainArgs(Path work, String data, int images, int epochs, String runId) {
        List<String> args = new ArrayList<>(List.of("--data", data, "--output", work.resolve("out").toString(),
                "--run-id", runId, "--epochs", Integer.toString(epochs), "--limit-train", Integer.toString(images),
                "--limit-test", "200", "--progress-seconds", "5"));
        args.addAll(List.of(System.getProperty("chaos.trainOptions", SMALL_ROUNDS).trim().split("\\s+")));
        return args.toArray(String[]::new);
    }

    private static double trainSeconds(List<Row> rows) {
        return rows.stream().mapToDouble(r -> (double) r.getAs("train_seconds")).sum();
    }

    private static List<Row> rows(SparkSession reader, Path work, String runId) {
        return reader.read().parquet(work.resolve("out/metrics").toString()).filter("run_id = '" + runId + "'")
                .orderBy("epoch").collectAsList();
    }
}
