package io.github.sparkresnet.submit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster of hosts with addresses and links of their own, on this machine:
 * bench/hosts.sh's test bed (network namespaces on a bridge, links shaped with tc, a Master on the
 * bridge's address, a Worker per host), driven from a test. {@link #close()} (and, should the JVM
 * be stopped first, a shutdown hook) runs {@code hosts.sh down}, which removes every namespace,
 * link and process it made. Needs root; without it, {@link #up} fails with the script's one line.
 */
public final class NetworkHosts implements AutoCloseable {
    private static final Path SCRIPT = StandaloneCluster.ROOT.resolve("bench/hosts.sh");
    private final Map<String, String> env;
    /** What {@code hosts.sh env} says: MASTER, DRIVER_HOST, HOSTS. */
    private Map<String, String> settings = Map.of();
    private final Thread cleanup;
    private boolean closed;

    /** Bytes a host sent and received over its link, as the kernel counts them. */
    public record Traffic(long sent, long received) {
        Traffic minus(Traffic o) {
            return new Traffic(sent - o.sent, received - o.received);
        }
    }

    private NetworkHosts(Map<String, String> env) {
        this.env = env;
        this.cleanup = new Thread(this::down, "network-hosts-down");
    }

    /**
     * {@code hosts} hosts on the test subnet {@code subnet} (three numbers, e.g. 10.213.1), links of
     * {@code rate} with {@code delay} one way, Workers of {@code memory}; state and logs in {@code dir}.
     */
    public static NetworkHosts up(Path dir, String prefix, String subnet, int hosts, String rate, String delay,
                                  String memory) throws IOException, InterruptedException {
        NetworkHosts bed = new NetworkHosts(Map.of("HOSTS_PREFIX", prefix, "HOSTS_SUBNET", subnet,
                "HOSTS_DIR", dir.toAbsolutePath().toString(), "WORKER_MEMORY", memory));
        Runtime.getRuntime().addShutdownHook(bed.cleanup);
        try {
            if (bed.script(3, "up", Integer.toString(hosts), rate, delay) == null) {
                throw new IllegalStateException("bench/hosts.sh up did not finish in 3 minutes");
            }
            bed.settings = bed.script(1, "env").lines().filter(l -> l.contains("="))
                    .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
            return bed;
        } catch (IOException | InterruptedException | RuntimeException e) {
            bed.close();
            throw e;
        }
    }

    public String masterUrl() {
        return settings.get("MASTER");
    }

    /** The bridge's address: where a driver on this machine is reachable from the hosts. */
    public String driverHost() {
        return settings.get("DRIVER_HOST");
    }

    /** Host {@code i}'s (1-based) address. */
    public String hostAddress(int i) {
        return env.get("HOSTS_SUBNET") + "." + (i + 1);
    }

    /**
     * Every host's traffic over its link, from the kernel's counters of the link's bridge side (what
     * the bridge received from the host is what the host sent), independent of Spark and the job.
     */
    public Map<Integer, Traffic> traffic() throws IOException {
        Map<Integer, Traffic> out = new LinkedHashMap<>();
        for (int i = 1; i <= Integer.parseInt(settings.get("HOSTS")); i++) {
            Path stats = Path.of("/sys/class/net", env.get("HOSTS_PREFIX") + i, "statistics");
            out.put(i, new Traffic(Long.parseLong(Files.readString(stats.resolve("rx_bytes")).trim()),
                    Long.parseLong(Files.readString(stats.resolve("tx_bytes")).trim())));
        }
        return out;
    }

    /** {@code after} minus {@code before}, host by host. */
    public static Map<Integer, Traffic> between(Map<Integer, Traffic> before, Map<Integer, Traffic> after) {
        Map<Integer, Traffic> out = new LinkedHashMap<>();
        after.forEach((host, t) -> out.put(host, t.minus(before.get(host))));
        return out;
    }

    /** The Master's and Workers' logs and every executor's stderr. */
    public List<Path> logs() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of(env.get("HOSTS_DIR")))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log")
                    || p.getFileName().toString().equals("stderr")).sorted().collect(Collectors.toList());
        }
    }

    /** Executor logs (stderr) of every application the Workers ran. */
    public List<Path> executorLogs() throws IOException {
        return logs().stream().filter(p -> p.getFileName().toString().equals("stderr")).collect(Collectors.toList());
    }

    @Override
    public void close() {
        down();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private synchronized void down() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            String out = script(2, "down");
            if (out == null) {
                System.err.println("bench/hosts.sh down did not finish in 2 minutes");
            }
        } catch (IOException | IllegalStateException e) {
            System.err.println("bench/hosts.sh down: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs hosts.sh; returns its output, or null when it ran out of time; fails with its own lines on an error. */
    private String script(int minutes, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", SCRIPT.toString()));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile("hosts-", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return null;
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(out.strip());
            }
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
