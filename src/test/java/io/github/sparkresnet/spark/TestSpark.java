package io.github.sparkresnet.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The one local SparkSession the unit tests share (as Spark's own suites do): {@code local[2]},
 * no UI, few shuffle partitions, and the same required settings as a real run.
 */
public final class TestSpark {
    private static SparkSession session;

    private TestSpark() {
    }

    public static synchronized SparkSession get() {
        if (session == null || session.sparkContext().isStopped()) {
            SparkConf conf = new SparkConf()
                    .setMaster("local[2]")
                    .setAppName("spark-resnet tests")
                    .set("spark.ui.enabled", "false")
                    .set("spark.sql.shuffle.partitions", "4")
                    .set("spark.driver.host", "127.0.0.1")
                    .set("spark.driver.bindAddress", "127.0.0.1");
            SparkSessions.applyRequired(conf);
            session = SparkSession.builder().config(conf).getOrCreate();
        }
        return session;
    }
}
