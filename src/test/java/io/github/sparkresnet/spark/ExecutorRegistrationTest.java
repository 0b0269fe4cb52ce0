package io.github.sparkresnet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/**
 * What a driver that no executor reaches says (MultiHostClusterIT sees it happen on hosts of their
 * own), and that only cluster applications are watched.
 */
class ExecutorRegistrationTest {

    @Test
    void onlyClusterApplicationsAreWatchedAndTheListenerIsAddedOnce() {
        SparkConf local = new SparkConf(false).setMaster("local[2]");
        ExecutorRegistration.watch(local);
        assertFalse(local.contains("spark.extraListeners"));

        SparkConf cluster = new SparkConf(false).setMaster("spark://10.0.0.1:7077")
                .set("spark.extraListeners", "com.example.Other");
        ExecutorRegistration.watch(cluster);
        ExecutorRegistration.watch(cluster);
        assertEquals("com.example.Other," + ExecutorRegistration.Watch.class.getName(), cluster.get("spark.extraListeners"));
    }

    @Test
    void anApplicationIsAcceptedOnlyWithAnIdFromTheClusterManager() {
        ExecutorRegistration.Watch.forget();
        new ExecutorRegistration.Watch(new SparkConf(false).set("spark.app.id", "spark-application-1796180000000"));
        assertEquals(null, ExecutorRegistration.Watch.accepted(), "Spark's stand-in when the master never answered");
        new ExecutorRegistration.Watch(new SparkConf(false).set("spark.app.id", "app-20261202030247-0000"));
        assertEquals("app-20261202030247-0000", ExecutorRegistration.Watch.accepted());
        ExecutorRegistration.Watch.forget();
    }

    @Test
    void aDriverAdvertisingLoopbackToARemoteClusterIsToldSo() {
        SparkConf conf = new SparkConf(false).setMaster("spark://10.0.0.1:7077").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.port", "40000").set("spark.executor.cores", "2").set("spark.executor.memory", "4g");
        String line = ExecutorRegistration.noneCame(conf, "app-1");
        assertTrue(line.startsWith("no executor of application app-1 registered with this driver within 120 s"), line);
        assertTrue(line.contains("2 free cores and 4g of memory"), line);
        assertTrue(line.contains("the driver at 127.0.0.1:40000"), line);
        assertTrue(line.contains("The driver advertises 127.0.0.1, a loopback address"), line);
        assertTrue(line.contains("127.0.0.1 (lo)"), "this host's addresses: " + line);
        assertFalse(line.contains("\n"), "one line");
    }

    @Test
    void aLoopbackDriverOfALoopbackClusterIsNotBlamed() {
        SparkConf conf = new SparkConf(false).setMaster("spark://127.0.0.1:7077").set("spark.driver.host", "127.0.0.1")
                .set(ExecutorRegistration.WAIT, "15s");
        String line = ExecutorRegistration.ended(conf, "app-2");
        assertTrue(line.startsWith("the cluster ended application app-2 before any executor registered"), line);
        assertFalse(line.contains("loopback address"), line);
        assertTrue(ExecutorRegistration.noneCame(conf, "app-2").contains("within 15 s"));
    }
}
