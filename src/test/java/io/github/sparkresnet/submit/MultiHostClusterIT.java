package io.github.sparkresnet.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.model.NetworkState;
import io.github.sparkresnet.model.ResNet34;
import io.github.sparkresnet.model.ResNetConfig;
import io.github.sparkresnet.spark.TestSpark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job across hosts with addresses and links of their own: two hosts (network namespaces, 1 Gbit/s
 * links both ways) each running a standalone Worker, the Master and the driver on the bridge's address
 * of this machine, which also has its loopback and its own network: a multi-homed driver host.
 *
 * <p>What crossed each host's link is read from the kernel's counters, not from Spark or the job, and
 * held against the all-reduce's traffic model (docs/clusters.md "Scaling"): per round each worker
 * sends and receives {@code 2 P (W-1)/W} for a state of {@code P} bytes and {@code W} workers; once
 * a run, each executor fetches the job jar and its first slice of the state ({@code P/W}) from the
 * driver; after the epoch the driver gathers the averaged state ({@code P/W} from each).
 *
 * <p>And the two ways a cluster run can wait forever, each ending in one {@code error:} line:
 * executors that cannot connect back to the address the driver advertises, and executors no worker
 * can hold.
 */
class MultiHostClusterIT {
    private static final int HOSTS = 2;
    private static NetworkHosts hosts;

    @TempDir
    static Path dir;

    @BeforeAll
    static void up() throws Exception {
        // a subnet and names of its own, so that a test bed a user has up (bench/hosts.sh) is left alone
        hosts = NetworkHosts.up(dir.resolve("hosts"), "srit", "10.213.1", HOSTS, "1gbit", "0ms", "3g");
    }

    @AfterAll
    static void down() {
        if (hosts != null) {
            hosts.close();
        }
    }

    @Test
    void trainsAcrossTwoHostsSendingWhatTheModelSays() throws Exception {
        Path out = dir.resolve("out");
        Map<Integer, NetworkHosts.Traffic> before = hosts.traffic();
        // the all-reduce's own traffic: without the copies of the state that make a loss cost a round
        // (they add P/W a round each way; BENCHMARKS.md "Executor loss")
        ScriptRun run = submit(out, "multi", "--driver-host", hosts.driverHost(), "--executor-memory", "1500m",
                "--conf", "spark.sparkresnet.stateCopies=1");
        Map<Integer, NetworkHosts.Traffic> traffic = NetworkHosts.between(before, hosts.traffic());
        assertEquals(0, run.exitCode(), run.output());

        List<Row> rows = TestSpark.get().read().parquet(out.resolve("metrics").toString()).collectAsList();
        assertEquals(1, rows.size());
        Row row = rows.get(0);
        assertEquals(HOSTS, (int) row.getAs("workers"));
        assertEquals(256L, (long) row.getAs("train_images"));
        int rounds = row.getAs("averaging_rounds");
        assertEquals(4, rounds);

        // each executor ran on its own host, and said so at start-up
        String executors = text(hosts.executorLogs());
        for (int i = 1; i <= HOSTS; i++) {
            String at = " on " + hosts.hostAddress(i);
            assertTrue(executors.contains(at + ": ND4J backend") || executors.contains(at + " ("), executors);
        }

        double state = new NetworkState(ResNet34.build(ResNetConfig.cifarPair().withClasses(2))).length()
                * (double) NetworkState.FLOAT_BYTES;
        double perRound = 2 * state * (HOSTS - 1) / HOSTS;
        double jar = Files.size(jobJar());
        double sent = rounds * perRound + state / HOSTS;                // rounds, then the driver's gather
        double received = jar + state / HOSTS + rounds * perRound;     // jar and first slice, then rounds
        for (Map.Entry<Integer, NetworkHosts.Traffic> host : traffic.entrySet()) {
            NetworkHosts.Traffic t = host.getValue();
            String what = String.format("host %d sent %.1f MB (modelled %.1f), received %.1f MB (modelled %.1f); "
                    + "state %.1f MB, jar %.1f MB, %d rounds", host.getKey(), t.sent() / 1e6, sent / 1e6,
                    t.received() / 1e6, received / 1e6, state / 1e6, jar / 1e6, rounds);
            System.out.println("MultiHostClusterIT: " + what);
            assertEquals(1.0, t.sent() / sent, 0.10, what);
            assertEquals(1.0, t.received() / received, 0.10, what);
        }
        // the job's own count agrees: per worker and round, what the model says crossed the network
        java.util.regex.Matcher own = java.util.regex.Pattern.compile("(\\d+) MB over the network").matcher(run.output());
        assertTrue(own.find(), run.output());
        assertEquals(perRound / 1e6, Double.parseDouble(own.group(1)), 1.0, own.group());
    }

    /**
     * Averaging the parameters only: each round moves a third of the state ({@code P_p}, the parameters;
     * {@code P_m}, Adam's two moments, stay with their workers, whose tasks run where they are). All
     * hosts together, for W = 2 and R rounds: from the driver the jars and the whole state
     * ({@code P}); between hosts, round 1 loading the whole state (the workers start from the same
     * moments), every round averaging the parameters ({@code P_p}) and every later round loading them
     * ({@code P_p}), and after the epoch the moments averaged ({@code P_m}) with a copy of the
     * parameters' mean ({@code P_p/2}); to the driver the whole state once.
     */
    @Test
    void averagingTheParametersOnlySendsAThirdOfTheStateARound() throws Exception {
        Path out = dir.resolve("out-parameters");
        Map<Integer, NetworkHosts.Traffic> before = hosts.traffic();
        ScriptRun run = submit(out, "parameters", "--driver-host", hosts.driverHost(), "--executor-memory", "1500m",
                "--", "--averaged", "parameters");
        Map<Integer, NetworkHosts.Traffic> traffic = NetworkHosts.between(before, hosts.traffic());
        assertEquals(0, run.exitCode(), run.output());
        Row row = TestSpark.get().read().parquet(out.resolve("metrics").toString()).first();
        assertEquals(256L, (long) row.getAs("train_images"));
        int rounds = row.getAs("averaging_rounds");

        NetworkState state = new NetworkState(ResNet34.build(ResNetConfig.cifarPair().withClasses(2)));
        double all = state.length() * (double) NetworkState.FLOAT_BYTES;
        double parameters = state.parameterCount() * (double) NetworkState.FLOAT_BYTES;
        double moments = all - parameters;
        double betweenHosts = all + parameters + 2 * parameters * (rounds - 1) + parameters / 2 + moments;
        double received = HOSTS * Files.size(jobJar()) + all + betweenHosts;
        double sent = betweenHosts + all;
        long sentAll = traffic.values().stream().mapToLong(NetworkHosts.Traffic::sent).sum();
        long receivedAll = traffic.values().stream().mapToLong(NetworkHosts.Traffic::received).sum();
        String what = String.format("hosts sent %.1f MB (modelled %.1f), received %.1f MB (modelled %.1f); parameters "
                + "%.1f MB, moments %.1f MB, %d rounds", sentAll / 1e6, sent / 1e6, receivedAll / 1e6, received / 1e6,
                parameters / 1e6, moments / 1e6, rounds);
        System.out.println("MultiHostClusterIT: " + what);
        // a worker whose task ran away from its moments would read them over the network: +170 MB each time
        assertEquals(1.0, sentAll / sent, 0.05, what);
        assertEquals(1.0, receivedAll / received, 0.05, what);
    }

    @Test
    void executorsThatCannotReachTheDriverEndInOneLine() throws Exception {
        // the classic mistake on a multi-homed host: advertising an address only this host can use
        // (the executors start, fail to connect, and the master starts others: Spark would wait forever)
        ScriptRun run = submit(dir.resolve("out-unreachable"), "unreachable", "--driver-host", "127.0.0.1",
                "--executor-memory", "1500m", "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=20s",
                "--conf", "spark.sparkresnet.executorWait=20s");
        assertNotEquals(0, run.exitCode(), run.output());
        String error = oneErrorLine(run);
        assertTrue(error.contains("driver advertises 127.0.0.1, a loopback address")
                && error.contains(hosts.driverHost() + " ("), error);
        assertTrue(text(hosts.executorLogs()).contains("Failed to connect to /127.0.0.1"), "what the executors say");
    }

    @Test
    void executorsNoWorkerCanHoldEndInOneLine() throws Exception {
        ScriptRun run = submit(dir.resolve("out-too-big"), "too-big", "--driver-host", hosts.driverHost(),
                "--executor-memory", "16g", "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=15s",
                "--conf", "spark.sparkresnet.executorWait=15s");
        assertNotEquals(0, run.exitCode(), run.output());
        String error = oneErrorLine(run);
        assertTrue(error.contains("registered with this driver within 15 s") && error.contains("16g"), error);
    }

    /**
     * submit/standalone.sh on the hosts: two 1-core executors, one short epoch; {@code options} are the
     * script's, then after {@code --} more of the job's.
     */
    private static ScriptRun submit(Path out, String runId, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("--master", hosts.masterUrl(), "--executors", "2",
                "--executor-cores", "1", "--executor-offheap", "3g", "--driver-memory", "2g"));
        List<String> given = List.of(options);
        int split = given.indexOf("--");
        args.addAll(split < 0 ? given : given.subList(0, split));
        args.addAll(List.of("train", "--data", RealCifar.dir().toString(), "--output", out.toString(),
                "--run-id", runId, "--epochs", "1", "--limit-train", "256", "--limit-test", "100",
                "--batch-size-per-worker", "16", "--averaging-frequency", "2"));
        args.addAll(split < 0 ? List.of() : given.subList(split + 1, given.size()));
        // no SPARK_LOCAL_IP: the driver's address is what the options say, as on a user's host
        return ScriptRun.run(Map.of(), 10, "submit/standalone.sh", args.toArray(new String[0]));
    }

    private static String oneErrorLine(ScriptRun run) {
        List<String> errors = run.output().lines().filter(l -> l.startsWith("error: ")).collect(Collectors.toList());
        assertEquals(1, errors.size(), run.output());
        assertFalse(run.output().lines().anyMatch(l -> l.startsWith("\tat ")), "a stack trace:\n" + run.output());
        return errors.get(0);
    }

    private static Path jobJar() throws Exception {
        try (var jars = Files.list(StandaloneCluster.ROOT.resolve("target"))) {
            return jars.filter(p -> p.getFileName().toString().matches("spark-resnet-.*-job\\.jar")).findFirst()
                    .orElseThrow();
        }
    }

    private static String text(List<Path> files) throws Exception {
        StringBuilder all = new StringBuilder();
        for (Path f : files) {
            all.append(Files.readString(f));
        }
        return all.toString();
    }
}
