package io.github.sparkresnet.reliability;

import io.github.sparkresnet.submit.ScriptRun;
import io.github.sparkresnet.submit.StandaloneCluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A training run on a standalone cluster while executors keep dying: from the first progress line of
 * epoch 1 on (so the first kill lands mid-epoch), a random executor gets SIGKILL every
 * {@code interval} until the run ends. The Workers start replacements; the run has to cope.
 */
public final class ExecutorChaos {
    private static final Pattern EPOCH = Pattern.compile("epoch (\\d+)/(\\d+)");

    private ExecutorChaos() {
    }

    /** One kill: when (seconds after submission), which executor process, in which epoch. */
    public record Kill(double atSeconds, long pid, String during) {
        @Override
        public String toString() {
            return String.format("kill at %.1f s during %s (executor pid %d)", atSeconds, during, pid);
        }
    }

    /** The finished run, its kills, and how long it took from submission. */
    public record Result(ScriptRun run, List<Kill> kills, double seconds) {
    }

    /**
     * Submits {@code train TRAIN_ARGS} with {@code executors} executors through submit/standalone.sh
     * (with {@code submitOptions} before the job's, e.g. {@code --conf K=V}); an {@code interval} of
     * zero kills nothing (the baseline).
     */
    public static Result run(StandaloneCluster cluster, int executors, Duration interval, long seed,
                             List<String> submitOptions, String... trainArgs) throws Exception {
        List<String> job = new ArrayList<>(submitOptions);
        job.add("train");
        job.addAll(List.of(trainArgs));
        long start = System.nanoTime();
        ScriptRun.Running running = ScriptRun.start(StandaloneCluster.SUBMIT_ENV, "submit/standalone.sh",
                cluster.submitArgs(executors, job.toArray(new String[0])));
        List<Kill> kills = new ArrayList<>();
        if (!interval.isZero()) {
            running.awaitOutput(o -> o.contains("epoch 1/") && o.contains(" images ("), Duration.ofMinutes(8),
                    "progress in epoch 1");
            Random random = new Random(seed);
            while (running.process().isAlive()) {
                List<ProcessHandle> alive = cluster.executors();
                if (!alive.isEmpty()) {
                    ProcessHandle victim = alive.get(random.nextInt(alive.size()));
                    String during = lastEpoch(running.output());
                    if (victim.destroyForcibly()) {
                        kills.add(new Kill((System.nanoTime() - start) / 1e9, victim.pid(), during));
                    }
                }
                running.process().waitFor(interval.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }
        ScriptRun done = running.await(Duration.ofMinutes(30));
        return new Result(done, kills, (System.nanoTime() - start) / 1e9);
    }

    /** The epoch the run's output last mentioned, e.g. "epoch 2/3". */
    private static String lastEpoch(String output) {
        Matcher m = EPOCH.matcher(output);
        String last = "start-up";
        while (m.find()) {
            last = m.group();
        }
        return last;
    }
}
