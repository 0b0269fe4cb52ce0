package io.github.sparkresnet.submit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * A real YARN cluster inside the test JVM (Hadoop's {@code MiniYARNCluster}: one ResourceManager, one
 * NodeManager), set up the way Spark's own YARN suites do: the capacity scheduler's queue written by
 * hand (the minicluster jar has no {@code capacity-scheduler.xml}), the disk-health check relaxed, and
 * the ResourceManager's real port awaited before its configuration is written out for the client.
 * Containers run as processes of this machine's user on its local file system, so paths given to the
 * job are the same inside them. {@link #close()} stops the cluster, which kills its containers.
 */
public final class YarnCluster implements AutoCloseable {
    private final MiniYARNCluster cluster;
    private final Path confDir;
    private final Path staging;

    private YarnCluster(MiniYARNCluster cluster, Path confDir, Path staging) {
        this.cluster = cluster;
        this.confDir = confDir;
        this.staging = staging;
    }

    /** Starts a ResourceManager and a NodeManager offering {@code memoryMb} of container memory. */
    public static YarnCluster start(Path dir, int memoryMb) throws Exception {
        YarnConfiguration conf = new YarnConfiguration();
        conf.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
        conf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
        conf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
        conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        conf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
        conf.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
        conf.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
        conf.set(YarnConfiguration.RM_HOSTNAME, "127.0.0.1");
        // Memory is bookkeeping here: the containers' heap, ND4J off-heap and overhead are sized for a
        // real node. Physical-memory enforcement stays on; virtual memory (huge for any JVM) is not checked.
        conf.setInt(YarnConfiguration.NM_PMEM_MB, memoryMb);
        conf.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, memoryMb);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, memoryMb);
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        conf.setInt(YarnConfiguration.NM_VCORES, 4);
        // Keep finished containers' logs where the test can read them.
        conf.setInt(YarnConfiguration.DEBUG_NM_DELETE_DELAY_SEC, 600);

        MiniYARNCluster cluster = new MiniYARNCluster(YarnCluster.class.getSimpleName(), 1, 1, 1);
        YarnCluster started = new YarnCluster(cluster, Files.createDirectories(dir.resolve("hadoop-conf")),
                Files.createDirectories(dir.resolve("staging")));
        try {
            cluster.init(conf);
            cluster.start();
            // start() may return before the ResourceManager has written its bound port back.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (cluster.getConfig().get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the ResourceManager did not bind within 30 s");
                }
                Thread.sleep(100);
            }
            try (OutputStream out = Files.newOutputStream(started.confDir.resolve("yarn-site.xml"))) {
                cluster.getConfig().writeXml(out);
            }
            return started;
        } catch (Exception e) {
            started.close();
            throw e;
        }
    }

    /** The environment submit/yarn.sh needs to find this cluster. */
    public Map<String, String> submitEnv() {
        return Map.of("HADOOP_CONF_DIR", confDir.toString(), "SPARK_LOCAL_IP", "127.0.0.1");
    }

    /**
     * submit/yarn.sh's arguments for a run on this cluster: {@code executors} executors of
     * {@code cores} cores, memory sized for the small test runs, the Spark jars taken from the build's
     * Spark home (links under {@code dir}), containers on this JVM's Java, then the job's arguments.
     */
    public String[] submitArgs(Path dir, String deployMode, int executors, int cores, String... job) throws IOException {
        Path sparkHome = StandaloneCluster.sparkHome(dir.resolve("spark-home"));
        List<String> args = new ArrayList<>(List.of("--deploy-mode", deployMode,
                "--executors", Integer.toString(executors), "--executor-cores", Integer.toString(cores),
                "--executor-memory", "1g", "--executor-offheap", "2g",
                "--driver-memory", "1g", "--driver-offheap", "2g",
                "--java-home", System.getProperty("java.home"),
                "--conf", "spark.yarn.jars=local:" + sparkHome.resolve("jars") + "/*",
                "--conf", "spark.yarn.stagingDir=" + staging.toUri(),
                "--conf", "spark.driver.host=127.0.0.1"));
        args.addAll(List.of(job));
        return args.toArray(new String[0]);
    }

    /** The applications submitted at or after {@code sinceMillis} (epoch time), oldest first. */
    public List<ApplicationReport> applicationsSince(long sinceMillis) throws Exception {
        try (YarnClient client = YarnClient.createYarnClient()) {
            client.init(cluster.getConfig());
            client.start();
            return client.getApplications(EnumSet.allOf(YarnApplicationState.class)).stream()
                    .filter(a -> a.getStartTime() >= sinceMillis)
                    .sorted(Comparator.comparing(ApplicationReport::getStartTime)).collect(Collectors.toList());
        }
    }

    /** The stdout and stderr files of every container the NodeManager ran for {@code applicationId}. */
    public List<Path> containerLogs(String applicationId) throws IOException {
        List<Path> logs = new ArrayList<>();
        for (String dir : cluster.getNodeManager(0).getConfig().getTrimmedStrings(YarnConfiguration.NM_LOG_DIRS)) {
            Path appDir = Path.of(dir.replaceFirst("^file:", "")).resolve(applicationId);
            if (Files.isDirectory(appDir)) {
                try (Stream<Path> files = Files.walk(appDir)) {
                    files.filter(p -> p.getFileName().toString().matches("std(out|err)")).sorted().forEach(logs::add);
                }
            }
        }
        return logs;
    }

    /** All of {@code applicationId}'s container logs, one after the other, for assertions and failure messages. */
    public String containerLogText(String applicationId) throws IOException {
        StringBuilder text = new StringBuilder();
        for (Path log : containerLogs(applicationId)) {
            text.append("==> ").append(log).append('\n').append(Files.readString(log)).append('\n');
        }
        return text.toString();
    }

    @Override
    public void close() {
        cluster.stop();
    }
}
