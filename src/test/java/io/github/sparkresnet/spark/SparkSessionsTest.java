package io.github.sparkresnet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SparkConf;
import org.apache.spark.network.util.JavaUtils;
import org.junit.jupiter.api.Test;

/** What every run gets from {@link SparkSessions#applyRequired}, and that a cluster's settings win. */
class SparkSessionsTest {

    /**
     * One worker's round result for the 2-class ResNet34, in float32: all parameters (trainable plus BN
     * statistics) and Adam's two moments of the trainable ones (about 255 MB).
     */
    private static final long ROUND_RESULT_BYTES = ((21_285_698 + 17_024) + 2L * 21_285_698) * Float.BYTES;

    @Test
    void inLocalModeRoundResultsGoBackWithTheTaskStatus() {
        SparkConf conf = SparkSessions.applyRequired(new SparkConf(false).setMaster("local[2]"));
        // Spark's Executor sends a result directly when it is under both of these; otherwise it stores
        // it as a block for the driver to fetch (docs/reliability.md "Memory").
        long direct = JavaUtils.byteStringAsBytes(conf.get("spark.task.maxDirectResultSize"));
        long rpc = conf.getLong("spark.rpc.message.maxSize", 0) << 20;
        assertTrue(Math.min(direct, rpc) > ROUND_RESULT_BYTES,
                "direct results up to " + Math.min(direct, rpc) + " bytes; a round result is " + ROUND_RESULT_BYTES);
        assertEquals("0s", conf.get("spark.locality.wait"));
        assertEquals(Nd4jKryoRegistrator.class.getName(), conf.get("spark.kryo.registrator"));
    }

    @Test
    void onAClusterRoundResultsAreFetchedIntoMemoryNotThroughATemporaryFile() {
        SparkConf conf = SparkSessions.applyRequired(new SparkConf(false).setMaster("spark://127.0.0.1:7077"));
        // Spark streams a fetched block to a temporary file when it is larger than this limit.
        long limit = JavaUtils.byteStringAsBytes(conf.get("spark.network.maxRemoteBlockSizeFetchToMem"));
        assertTrue(limit > ROUND_RESULT_BYTES, limit + " bytes; a round result is " + ROUND_RESULT_BYTES);
        // direct results failed there: 2 GB executor heaps ran out copying 256 MB into the status message
        assertFalse(conf.contains("spark.task.maxDirectResultSize"));
        assertFalse(conf.contains("spark.rpc.message.maxSize"));
        // a read cut by an executor's death goes on to the block's copy after a second, not Spark's 5 s
        assertEquals(1, JavaUtils.timeStringAsSec(conf.get("spark.shuffle.io.retryWait")));
        // a cached block's copy lost with an executor is made again at once where another executor is
        assertEquals("true", conf.get("spark.storage.replication.proactive"));
    }

    @Test
    void settingsAlreadyGivenWinAndThePluginIsAddedOnce() {
        SparkConf conf = new SparkConf(false).setMaster("local[2]")
                .set("spark.task.maxDirectResultSize", "300m")
                .set("spark.locality.wait", "3s")
                .set("spark.plugins", "com.example.Other");
        SparkSessions.applyRequired(conf);
        SparkSessions.applyRequired(conf);
        assertEquals("300m", conf.get("spark.task.maxDirectResultSize"));
        assertEquals("3s", conf.get("spark.locality.wait"));
        assertEquals("com.example.Other," + Nd4jSparkPlugin.class.getName(), conf.get("spark.plugins"));
    }

    @Test
    void theStartUpLineSaysWhichProtectionsAreOnWithoutTheirValues() {
        assertEquals("security: authentication off, network encryption off, local I/O encryption off",
                SparkSessions.security(new SparkConf(false)));
        SparkConf secured = new SparkConf(false).set("spark.authenticate", "true")
                .set("spark.authenticate.secret", "s3cr3t-value").set("spark.network.crypto.enabled", "true")
                .set("spark.io.encryption.enabled", "true");
        assertEquals("security: authentication on, network encryption on, local I/O encryption on",
                SparkSessions.security(secured));
        // encryption needs authentication: Spark ignores the crypto setting without it
        assertEquals("security: authentication off, network encryption off, local I/O encryption off",
                SparkSessions.security(new SparkConf(false).set("spark.network.crypto.enabled", "true")));
    }

    @Test
    void aClusterThatTurnsTheApplicationAwayIsOneErrorLineNamingTheSecret() {
        SparkConf standalone = new SparkConf(false).setMaster("spark://10.0.0.1:7077");
        RuntimeException refused = SparkSessions.refusedByTheCluster(standalone,
                new IllegalStateException("Spark context stopped while waiting for backend"));
        assertTrue(refused instanceof io.github.sparkresnet.BadInputException, refused.toString());
        assertTrue(refused.getMessage().startsWith("the Spark master spark://10.0.0.1:7077 did not accept this application")
                && refused.getMessage().contains("spark.authenticate.secret"), refused.getMessage());
        RuntimeException noSecret = SparkSessions.refusedByTheCluster(standalone,
                new IllegalArgumentException("requirement failed: A secret key must be specified via the spark.authenticate.secret config."));
        assertTrue(noSecret instanceof io.github.sparkresnet.BadInputException, noSecret.toString());
        // anything else is not guessed at
        IllegalStateException other = new IllegalStateException("something else");
        assertTrue(SparkSessions.refusedByTheCluster(standalone, other) == other);
    }
}
