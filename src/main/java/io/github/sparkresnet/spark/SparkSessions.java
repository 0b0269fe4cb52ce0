package io.github.sparkresnet.spark;

import io.github.sparkresnet.BadInputException;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts (or joins) the SparkSession every entry point uses, with the settings the job cannot run
 * without. Under {@code spark-submit} the master and everything in {@code spark-defaults.conf} come
 * from there; run directly, the session is embedded ({@code local[*]} unless told otherwise).
 */
public final class SparkSessions {
    private static final Logger LOG = LoggerFactory.getLogger(SparkSessions.class);

    private SparkSessions() {
    }

    /**
     * The active session, or a new one.
     *
     * @param masterIfUnset used only when no master was configured (not under spark-submit)
     */
    public static SparkSession getOrCreate(String appName, String masterIfUnset) {
        SparkConf conf = new SparkConf();
        if (!conf.contains("spark.master")) {
            conf.setMaster(masterIfUnset);
        }
        conf.setIfMissing("spark.app.name", appName);
        applyRequired(conf);
        ExecutorRegistration.watch(conf);
        ExecutorRegistration.Watch.forget();
        SparkSession spark;
        try {
            spark = SparkSession.builder().config(conf).getOrCreate();
        } catch (RuntimeException e) {
            throw refusedByTheCluster(conf, e);
        }
        ExecutorRegistration.awaitFirst(spark.sparkContext());
        LOG.info("Spark {} master={} defaultParallelism={}; {}", spark.version(), spark.sparkContext().master(),
                spark.sparkContext().defaultParallelism(), security(spark.sparkContext().getConf()));
        return spark;
    }

    /**
     * A cluster that turned the application away, or ended it before any executor came, as one line
     * that says what to check: Spark itself only logs connection errors and "All masters are
     * unresponsive" (a master that is down and one that refused the secret look the same from here).
     * Other failures pass through unchanged.
     */
    static RuntimeException refusedByTheCluster(SparkConf conf, RuntimeException e) {
        String master = conf.get("spark.master", "");
        String message = String.valueOf(e.getMessage());
        if (message.contains("A secret key must be specified")) {
            return new BadInputException("spark.authenticate=true needs the cluster's shared secret in "
                    + "spark.authenticate.secret (submit/standalone.sh --secret-file FILE); none was given", e);
        }
        if (message.contains("stopped while waiting for backend") && ExecutorRegistration.Watch.accepted() != null) {
            return new BadInputException(ExecutorRegistration.ended(conf, ExecutorRegistration.Watch.accepted()), e);
        }
        if (master.startsWith("spark://") && message.contains("stopped while waiting for backend")) {
            return new BadInputException("the Spark master " + master + " did not accept this application (no "
                    + "answer after 3 attempts). Check that a master runs there and, if the cluster requires "
                    + "authentication (spark.authenticate), that this application's spark.authenticate.secret "
                    + "(submit/standalone.sh --secret-file FILE) is the cluster's", e);
        }
        return e;
    }

    /**
     * Which of Spark's protections the application runs with, for the start-up line: authentication of
     * every connection (spark.authenticate), encryption of RPC and block transfers (the averaging
     * traffic included), encryption of what executors write to local disk. Names settings, never values.
     */
    static String security(SparkConf conf) {
        boolean auth = conf.getBoolean("spark.authenticate", false);
        boolean network = auth && (conf.getBoolean("spark.network.crypto.enabled", false)
                || conf.getBoolean("spark.authenticate.enableSaslEncryption", false));
        return "security: authentication " + (auth ? "on" : "off") + ", network encryption " + (network ? "on" : "off")
                + ", local I/O encryption " + (conf.getBoolean("spark.io.encryption.enabled", false) ? "on" : "off");
    }

    /**
     * How many training tasks can run at once: the job's default worker count. Local mode: the
     * {@code local[N]} threads. On a cluster: registered executors x {@code spark.executor.cores} /
     * {@code spark.task.cpus}, because Spark's default parallelism is at least 2 even with one
     * executor core, and two workers sharing one core would fit one after the other.
     */
    public static int concurrentTaskSlots(org.apache.spark.SparkContext sc) {
        if (sc.isLocal()) {
            return sc.defaultParallelism();
        }
        int executors = sc.statusTracker().getExecutorInfos().length - 1; // the list includes the driver
        int taskCpus = sc.getConf().getInt("spark.task.cpus", 1);
        if (executors > 0 && sc.getConf().contains("spark.executor.cores")) {
            return Math.max(1, executors * sc.getConf().getInt("spark.executor.cores", 1) / taskCpus);
        }
        return sc.defaultParallelism(); // standalone without spark.executor.cores: all of each worker's cores
    }

    /**
     * Settings that must hold in every run. Only filled in where missing, so a cluster's
     * {@code spark-defaults.conf} or {@code --conf} wins.
     */
    public static SparkConf applyRequired(SparkConf conf) {
        // DL4J ships INDArrays inside tasks and broadcasts; Java serialization of them is slow, and
        // Kryo needs ND4J's registrations (without them Kryo fails with an NPE on jvmShapeInfo); ours
        // adds a bulk-copy serializer for the ~255 MB of parameters and Adam state of every round.
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.setIfMissing("spark.kryo.registrator", "io.github.sparkresnet.spark.Nd4jKryoRegistrator");
        // The same ~255 MB (one worker's state) must fit Kryo's buffer when broadcast or averaged.
        conf.setIfMissing("spark.kryoserializer.buffer.max", "1g");
        // Training tasks are CPU-bound and data is tiny: never wait for locality.
        conf.setIfMissing("spark.locality.wait", "0s");
        // Each worker's round result (that state again) is over the 128 MB that a
        // task may send back with its status, so Spark stores it as a block that the driver fetches
        // through its network layer and, past 200 MB, through a temporary file that Spark deletes once
        // the file's buffer is garbage: under GC pressure that happened before the file was read
        // (FileNotFoundException .../temp_local_..., docs/reliability.md "Memory"). In local mode the status never
        // leaves the JVM, so results up to 512 MB go with it: no block, no copy, no file. On a cluster
        // the block is fetched into the driver's memory instead of the file, for ~350 MB more driver
        // memory outside the heap (BENCHMARKS "Memory" and "Scaling").
        if (conf.get("spark.master", "").startsWith("local")) {
            conf.setIfMissing("spark.rpc.message.maxSize", "512");
            conf.setIfMissing("spark.task.maxDirectResultSize", "512m");
        } else {
            conf.setIfMissing("spark.network.maxRemoteBlockSizeFetchToMem", "1g");
            // A block read from an executor that dies mid-read is retried after this wait; by then
            // Spark knows the executor is dead and the job reads the block's copy elsewhere. Spark's
            // default, 5 s, is added to every round that an executor loss interrupts; three retries a
            // second apart still ride out a transient network error.
            conf.setIfMissing("spark.shuffle.io.retryWait", "1s");
            // A cached block with two copies (the pair's rows) that loses one to an
            // executor's loss gets a new one on another executor at once, where there is one
            // (CopyRestorer covers the executors that arrive later).
            conf.setIfMissing("spark.storage.replication.proactive", "true");
        }
        // ND4J set-up (oneDNN helpers, start-up log) in the driver and every executor.
        String plugins = conf.get("spark.plugins", "");
        if (!plugins.contains(Nd4jSparkPlugin.class.getName())) {
            conf.set("spark.plugins", plugins.isEmpty() ? Nd4jSparkPlugin.class.getName()
                    : plugins + "," + Nd4jSparkPlugin.class.getName());
        }
        return conf;
    }
}
