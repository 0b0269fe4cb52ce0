package io.github.sparkresnet.submit;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster on 127.0.0.1 for tests and benchmarks: one Master and N Workers,
 * each its own JVM started from Spark's jars with the classes {@code spark-class} starts
 * ({@code org.apache.spark.deploy.master.Master}, {@code ...worker.Worker}). The Workers launch
 * executors from a Spark home made of links to the Spark jars this project builds against.
 * {@link #close()} kills every process it started, executors included, even after a failure, and
 * removes what the executors copied to disk (their copies of the application jar, their local
 * directories, which a killed executor leaves behind), keeping the logs.
 */
public final class StandaloneCluster implements AutoCloseable {
    public static final Path ROOT = Path.of(System.getProperty("project.basedir", ".")).toAbsolutePath();
    private final List<Process> processes = new ArrayList<>();
    private final Path dir;
    private final int masterPort;
    private final int uiPort;
    /** Each Worker's arguments, to start it again. */
    private final List<String[]> workerLaunches = new ArrayList<>();
    /** CPUs of its own for each Worker ({@link #startPinned}); 0: every Worker uses every CPU. */
    private int cpusPerWorker;
    private Path sparkHome;

    private StandaloneCluster(Path dir) throws IOException {
        this.dir = dir;
        this.masterPort = freePort();
        this.uiPort = freePort();
    }

    /** Starts a Master and {@code workers} Workers of {@code cores} cores and {@code memory} each. */
    public static StandaloneCluster start(Path dir, int workers, int cores, String memory) throws Exception {
        return start(dir, workers, cores, memory, Map.of());
    }

    /**
     * The same with Spark {@code settings} for the Master and Workers (e.g. {@code spark.authenticate}),
     * given to them as an operator would: in a properties file only this user can read.
     */
    public static StandaloneCluster start(Path dir, int workers, int cores, String memory,
                                          Map<String, String> settings) throws Exception {
        return start(dir, workers, cores, memory, settings, false);
    }

    /**
     * The same with each Worker, and so every executor it launches, bound to CPUs of its own
     * ({@code taskset}: Worker i gets CPUs {@code (i-1)·cores} to {@code i·cores-1}), as on hosts of
     * their own: an executor a Worker launches in place of a lost one starts on the CPUs the lost one
     * left, not on those of the executors still training. Needs {@code workers·cores} CPUs; the
     * Master and the driver are not bound.
     */
    public static StandaloneCluster startPinned(Path dir, int workers, int cores, String memory) throws Exception {
        int cpus = Runtime.getRuntime().availableProcessors();
        if (workers * cores > cpus) {
            throw new IllegalArgumentException(workers + " Workers of " + cores + " cores need " + workers * cores
                    + " CPUs to be bound to CPUs of their own; this machine has " + cpus);
        }
        return start(dir, workers, cores, memory, Map.of(), true);
    }

    private static StandaloneCluster start(Path dir, int workers, int cores, String memory,
                                           Map<String, String> settings, boolean pinned) throws Exception {
        StandaloneCluster c = new StandaloneCluster(dir);
        c.cpusPerWorker = pinned ? cores : 0;
        try {
            c.sparkHome = sparkHome(dir.resolve("spark-home"));
            Path conf = daemonSettings(dir.resolve("daemons.conf"), settings);
            c.processes.add(c.launch("", "master", "org.apache.spark.deploy.master.Master",
                    "--host", "127.0.0.1", "--port", Integer.toString(c.masterPort),
                    "--webui-port", Integer.toString(c.uiPort), "--properties-file", conf.toString()));
            c.awaitWorkers(0, Duration.ofSeconds(60));
            for (int i = 1; i <= workers; i++) {
                Path work = Files.createDirectories(dir.resolve("worker-" + i));
                c.workerLaunches.add(new String[] {
                    "--host", "127.0.0.1", "--cores", Integer.toString(cores), "--memory", memory,
                    "--webui-port", "0", "--work-dir", work.toString(), "--properties-file", conf.toString(),
                    c.masterUrl()});
                c.processes.add(c.launchWorker(i, "worker-" + i));
            }
            c.awaitWorkers(workers, Duration.ofSeconds(90));
            return c;
        } catch (Exception e) {
            c.close();
            throw e;
        }
    }

    private static Path daemonSettings(Path file, Map<String, String> settings) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.writeString(file, settings.entrySet().stream().map(e -> e.getKey() + " " + e.getValue() + "\n")
                .collect(Collectors.joining()));
        return file;
    }

    /** The Master's and Workers' own logs. */
    public List<Path> daemonLogs() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().collect(Collectors.toList());
        }
    }

    /**
     * The Master's and Workers' log lines that say something failed, and the last lines of each
     * executor's stderr: for an assertion's message when an application ended early, since the
     * cluster's directory goes with the test.
     */
    public String problems() {
        StringBuilder out = new StringBuilder();
        try {
            for (Path log : daemonLogs()) {
                Files.readAllLines(log).stream().filter(l -> l.matches(".*(ERROR|WARN|Exception|[Ff]ailed|FAILED|exited).*"))
                        .limit(40).forEach(l -> out.append(log.getFileName()).append(": ").append(l).append('\n'));
            }
            for (Path log : executorLogs()) {
                List<String> lines = Files.readAllLines(log);
                lines.subList(Math.max(0, lines.size() - 15), lines.size())
                        .forEach(l -> out.append(dir.relativize(log)).append(": ").append(l).append('\n'));
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            out.append("(reading the cluster's logs failed: ").append(e).append(")\n");
        }
        return out.toString();
    }

    public String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    /** The environment submit/standalone.sh needs here: the driver on 127.0.0.1, as the cluster. */
    public static final Map<String, String> SUBMIT_ENV = Map.of("SPARK_LOCAL_IP", "127.0.0.1");

    /**
     * submit/standalone.sh's arguments for a run on this cluster with {@code executors} one-core
     * executors, memory sized for the small test runs, followed by the job's own arguments.
     */
    public String[] submitArgs(int executors, String... job) {
        List<String> args = new java.util.ArrayList<>(List.of("--master", masterUrl(),
                "--executors", Integer.toString(executors), "--executor-cores", "1",
                "--executor-memory", "1500m", "--executor-offheap", "3g", "--driver-memory", "2g",
                "--conf", "spark.driver.host=127.0.0.1"));
        args.addAll(List.of(job));
        return args.toArray(new String[0]);
    }

    /**
     * Executor logs (stderr) of every application the Workers ran, for assertions and post-mortems:
     * {@code worker-N/APP/EXECUTOR/stderr} under the Workers' work directories, which nothing deletes
     * while the cluster runs (unlike the executors' local directories, which a departing executor
     * removes as a walk passes).
     */
    public List<Path> executorLogs() throws IOException {
        List<Path> logs = new ArrayList<>();
        try (Stream<Path> workers = Files.list(dir)) {
            for (Path work : workers.filter(p -> p.getFileName().toString().startsWith("worker-")).collect(Collectors.toList())) {
                try (Stream<Path> files = Files.walk(work, 3)) {
                    files.filter(p -> p.getFileName().toString().equals("stderr")).forEach(logs::add);
                }
            }
        }
        logs.sort(null);
        return logs;
    }

    /** Executor JVMs now running (children of the Workers). */
    public List<ProcessHandle> executors() {
        return processes.stream().skip(1).flatMap(Process::descendants)
                .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                .collect(Collectors.toList());
    }

    /**
     * Starts a Worker again in place of each one that has died (a bench that kills Workers, between its
     * runs), and waits until each new one has registered with the Master.
     */
    public void replaceLostWorkers() throws Exception {
        for (int i = 1; i <= workerLaunches.size(); i++) {
            if (!processes.get(i).isAlive()) {
                String name = "worker-" + i + "-again";
                processes.set(i, launchWorker(i, name));
                Path log = dir.resolve(name + ".log");
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (!(Files.exists(log) && Files.readString(log).contains("Successfully registered with master"))) {
                    if (System.nanoTime() > deadline || !processes.get(i).isAlive()) {
                        throw new IllegalStateException("the Worker started again did not register; see " + log);
                    }
                    Thread.sleep(200);
                }
            }
        }
    }

    /** Starts Worker {@code i} (from 1), logging to {@code name}.log. */
    private Process launchWorker(int i, String name) throws IOException {
        String cpus = cpusPerWorker == 0 ? "" : (i - 1) * cpusPerWorker + "-" + (i * cpusPerWorker - 1);
        return launch(cpus, name, "org.apache.spark.deploy.worker.Worker", workerLaunches.get(i - 1));
    }

    /** Starts a daemon; with {@code cpus} (a {@code taskset -c} list) it and its children run only there. */
    private Process launch(String cpus, String name, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (!cpus.isEmpty()) {
            cmd.addAll(List.of("taskset", "-c", cpus));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(javaOptions());
        // An application whose executors keep dying is failed after 3 of them, not retried forever.
        cmd.addAll(List.of("-Xmx256m", "-Dspark.deploy.maxExecutorRetries=3",
                "-cp", sparkHome.resolve("jars").toString() + "/*", mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.12");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.remove("SPARK_CONF_DIR");
        // the executors' scratch space (a Worker hands its own to them) inside the cluster's directory
        env.put("SPARK_LOCAL_DIRS", dir.resolve("local").toString());
        return pb.start();
    }

    private void awaitWorkers(int n, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Pattern alive = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!processes.get(0).isAlive()) {
                throw new IllegalStateException("the Spark master exited; see " + dir.resolve("master.log"));
            }
            try {
                HttpURLConnection http = (HttpURLConnection) URI.create("http://127.0.0.1:" + uiPort + "/json/")
                        .toURL().openConnection();
                http.setConnectTimeout(1000);
                last = new String(http.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                Matcher m = alive.matcher(last);
                if (m.find() && Integer.parseInt(m.group(1)) >= n) {
                    return;
                }
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(n + " workers did not register within " + timeout + ": " + last
                + "; logs in " + dir);
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        removeExecutorCopies();
    }

    /** Each executor's copy of the application jar (160 MB) and the local directories go; logs stay. */
    private void removeExecutorCopies() {
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(p -> p.startsWith(dir.resolve("local"))
                            || (p.getFileName().toString().endsWith(".jar") && !p.startsWith(dir.resolve("spark-home"))))
                    .sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            System.err.println("could not remove the executors' files under " + dir + ": " + e);
        }
    }

    /** The job's shaded jar, as the build left it in target/. */
    public static Path jobJar() throws IOException {
        try (Stream<Path> jars = Files.list(ROOT.resolve("target"))) {
            return jars.filter(p -> p.getFileName().toString().endsWith("-job.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no *-job.jar in target/: build the project first"));
        }
    }

    /**
     * The command that runs a user's Spark application, {@code mainClass} with {@code args}, in a JVM of
     * its own: this test run's classpath, the job's Java options and log configuration, {@code heap}.
     */
    public static List<String> applicationCommand(String heap, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(javaOptions());
        cmd.addAll(List.of("-Xmx" + heap, "-Dproject.basedir=" + ROOT,
                "-Dlog4j2.configurationFile=" + ROOT.resolve("conf/log4j2.properties"),
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The Java 17 flags every Spark JVM needs (conf/java-options). */
    static List<String> javaOptions() throws IOException {
        return Files.readAllLines(ROOT.resolve("conf/java-options")).stream().map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).collect(Collectors.toList());
    }

    /**
     * A Spark home holding {@code jars/} with links to the Spark jars (target/spark-classpath.txt,
     * written by the build): what a Worker needs to build an executor's classpath.
     */
    static Path sparkHome(Path home) throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        String classpath = Files.readString(ROOT.resolve("target/spark-classpath.txt")).trim();
        for (String jar : classpath.split(":")) {
            Path link = jars.resolve(Path.of(jar).getFileName());
            if (!Files.exists(link)) {
                Files.createSymbolicLink(link, Path.of(jar));
            }
        }
        return home;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
