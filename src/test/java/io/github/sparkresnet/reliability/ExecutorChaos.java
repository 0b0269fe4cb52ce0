package io.github.sparkresnet.reliability;

import io.github.sparkresnet.submit.ScriptRun;
import io.github.sparkresnet.submit.StandaloneCluster;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A training run on a standalone cluster while executors keep dying: from the first progress line of
 * epoch 1 on (so the first kill lands mid-epoch), a random executor gets SIGKILL every
 * {@code interval} on average (each wait drawn from half to one and a half of it, so kills land at
 * random points of rounds) until the run ends. With {@code firstDuring} the first kill waits for a
 * running job whose description contains it (the driver's REST API tells: e.g. the all-reduce's
 * averaging job; a regular expression). The Workers start replacements; the run has to cope.
 */
public final class ExecutorChaos {
    private static final Pattern EPOCH = Pattern.compile("epoch (\\d+)/(\\d+)");

    private ExecutorChaos() {
    }

    /** One kill: when (seconds after submission), which executor process, in which epoch, during which job. */
    public record Kill(double atSeconds, long pid, String during, String job) {
        @Override
        public String toString() {
            return String.format("kill at %.1f s during %s%s (executor pid %d)", atSeconds, during,
                    job.isEmpty() ? "" : ", " + job, pid);
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
        return run(cluster, executors, interval, seed, null, submitOptions, trainArgs);
    }

    /** The same, the first kill during a running job whose description matches {@code firstDuring} (a regex). */
    public static Result run(StandaloneCluster cluster, int executors, Duration interval, long seed, String firstDuring,
                             List<String> submitOptions, String... trainArgs) throws Exception {
        return run(cluster, executors, interval, seed, firstDuring, false, submitOptions, trainArgs);
    }

    /**
     * The same; with {@code withWorker} each kill takes the executor's Worker first, so no replacement
     * comes (the run trains on with the executors left: at most one kill per Worker).
     */
    public static Result run(StandaloneCluster cluster, int executors, Duration interval, long seed, String firstDuring,
                             boolean withWorker, List<String> submitOptions, String... trainArgs) throws Exception {
        int uiPort;
        try (ServerSocket s = new ServerSocket(0)) {
            uiPort = s.getLocalPort();
        }
        List<String> job = new ArrayList<>(submitOptions);
        job.addAll(List.of("--conf", "spark.ui.port=" + uiPort, "train"));
        job.addAll(List.of(trainArgs));
        long start = System.nanoTime();
        ScriptRun.Running running = ScriptRun.start(StandaloneCluster.SUBMIT_ENV, "submit/standalone.sh",
                cluster.submitArgs(executors, job.toArray(new String[0])));
        List<Kill> kills = new ArrayList<>();
        if (!interval.isZero()) {
            running.awaitOutput(o -> o.contains("epoch 1/") && o.contains(" images ("), Duration.ofMinutes(8),
                    "progress in epoch 1");
            Random random = new Random(seed);
            String aim = firstDuring;
            while (running.process().isAlive()) {
                String during = "";
                if (aim != null) {
                    during = awaitRunningJob(uiPort, aim, running.process(), Duration.ofMinutes(2));
                    aim = null;
                }
                List<ProcessHandle> alive = cluster.executors();
                if (!alive.isEmpty()) {
                    ProcessHandle victim = alive.get(random.nextInt(alive.size()));
                    String epoch = lastEpoch(running.output());
                    if (withWorker) {
                        victim.parent().ifPresent(ProcessHandle::destroyForcibly);
                    }
                    if (victim.destroyForcibly()) {
                        kills.add(new Kill((System.nanoTime() - start) / 1e9, victim.pid(), epoch, during));
                    }
                }
                long wait = (long) (interval.toMillis() * (0.5 + random.nextDouble()));
                running.process().waitFor(wait, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }
        ScriptRun done = running.await(Duration.ofMinutes(30));
        return new Result(done, kills, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Polls the driver's REST API until one of its running jobs' descriptions matches {@code text};
     * returns that description, or "" when none showed within {@code timeout} (or the run ended).
     */
    static String awaitRunningJob(int uiPort, String text, Process run, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Pattern description = Pattern.compile("\"description\"\\s*:\\s*\"([^\"]*(" + text + ")[^\"]*)\"");
        String app = null;
        while (System.nanoTime() < deadline && run.isAlive()) {
            try {
                if (app == null) {
                    Matcher id = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"").matcher(get(uiPort, "/api/v1/applications"));
                    app = id.find() ? id.group(1) : null;
                }
                if (app != null) {
                    Matcher m = description.matcher(get(uiPort, "/api/v1/applications/" + app + "/jobs?status=running"));
                    if (m.find()) {
                        return m.group(1);
                    }
                }
            } catch (IOException notYet) {
                // the UI is not up yet, or busy
            }
            Thread.sleep(50);
        }
        return "";
    }

    private static String get(int port, String path) throws IOException {
        HttpURLConnection http = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
        http.setConnectTimeout(1000);
        http.setReadTimeout(2000);
        try (var in = http.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
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
