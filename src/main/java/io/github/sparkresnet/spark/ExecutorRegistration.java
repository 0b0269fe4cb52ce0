package io.github.sparkresnet.spark;

import io.github.sparkresnet.BadInputException;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster application's first executor, and one line saying what to check when none comes.
 *
 * <p>Left alone, Spark waits silently: an application whose executors cannot connect back to the
 * driver (a driver on a host with several addresses advertising one the executors cannot reach) or
 * that the cluster gives no executors (no worker with the cores and memory asked for) sits at "Initial
 * job has not accepted any resources" forever, or ends with a stack trace when the master gives up on
 * executors that keep failing. Here both end in one {@code error:} line ({@link BadInputException})
 * naming the driver's advertised address, this host's addresses and the executors asked for.
 */
public final class ExecutorRegistration {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorRegistration.class);

    /**
     * Spark setting: how long after the application starts the driver waits for a first executor
     * before giving up. Default 120 s, the job's {@code spark.scheduler.maxRegisteredResourcesWaitingTime}.
     */
    public static final String WAIT = "spark.sparkresnet.executorWait";

    private ExecutorRegistration() {
    }

    /**
     * Named in {@code spark.extraListeners} for cluster masters: Spark builds it as the context starts,
     * with the application id the cluster manager gave (or its own stand-in when none answered), so a
     * context stopped before any executor came can be told apart from one the master never accepted.
     */
    public static final class Watch extends SparkListener {
        private static final String UNREGISTERED = "spark-application-";
        private static volatile String acceptedApplication;

        public Watch(SparkConf conf) {
            String id = conf.get("spark.app.id", UNREGISTERED);
            // a standalone master that never answered leaves Spark's stand-in id
            acceptedApplication = id.startsWith(UNREGISTERED) ? null : id;
        }

        static void forget() {
            acceptedApplication = null;
        }

        /** The application the cluster manager accepted since the last {@link #forget()}, or null. */
        static String accepted() {
            return acceptedApplication;
        }
    }

    /** Adds {@link Watch} to {@code spark.extraListeners} when the master is a cluster's. */
    static void watch(SparkConf conf) {
        if (conf.get("spark.master", "").startsWith("local")) {
            return;
        }
        String listeners = conf.get("spark.extraListeners", "");
        if (!listeners.contains(Watch.class.getName())) {
            conf.set("spark.extraListeners", listeners.isEmpty() ? Watch.class.getName()
                    : listeners + "," + Watch.class.getName());
        }
    }

    /**
     * Returns once at least one executor has registered; on a cluster where none has within
     * {@link #WAIT} of the application's start, or whose application was ended first, fails with one
     * line saying which and what to check. Local mode returns at once.
     */
    static void awaitFirst(SparkContext sc) {
        if (sc.isLocal()) {
            return;
        }
        long deadline = sc.startTime() + sc.getConf().getTimeAsMs(WAIT, "120s");
        boolean told = false;
        while (registered(sc) == 0) {
            if (sc.isStopped()) {
                throw new BadInputException(ended(sc.getConf(), sc.applicationId()));
            }
            if (System.currentTimeMillis() >= deadline) {
                throw new BadInputException(noneCame(sc.getConf(), sc.applicationId()));
            }
            if (!told) {
                LOG.info("waiting for a first executor of {} to register (up to {} s after the start, {})",
                        sc.applicationId(), sc.getConf().getTimeAsSeconds(WAIT, "120s"), WAIT);
                told = true;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for executors", e);
            }
        }
    }

    private static int registered(SparkContext sc) {
        return sc.statusTracker().getExecutorInfos().length - 1; // the list includes the driver
    }

    /** The context stopped before any executor registered: the cluster manager ended the application. */
    static String ended(SparkConf conf, String application) {
        return "the cluster ended application " + application + " before any executor registered with this "
                + "driver: its executors failed to start or could not connect back to the driver at "
                + driverAddress(conf) + ". " + whatToCheck(conf);
    }

    /** The application runs, but no executor registered within the wait. */
    static String noneCame(SparkConf conf, String application) {
        return "no executor of application " + application + " registered with this driver within "
                + conf.getTimeAsSeconds(WAIT, "120s") + " s of its start (" + WAIT + "): either the cluster "
                + "has no worker with the " + conf.get("spark.executor.cores", "?") + " free cores and "
                + conf.get("spark.executor.memory", "?") + " of memory each executor asks for (see the master's "
                + "UI; --executor-cores and --executor-memory), or the executors cannot connect back to the "
                + "driver at " + driverAddress(conf) + ". " + whatToCheck(conf);
    }

    private static String whatToCheck(SparkConf conf) {
        String host = conf.get("spark.driver.host", "");
        String loopback = isLoopback(host) && !isLoopback(masterHost(conf.get("spark.master", "")))
                ? "The driver advertises " + host + ", a loopback address, which executors on other hosts cannot reach. " : "";
        return loopback + "The executors must reach the address the driver advertises (spark.driver.host, or "
                + "submit/*.sh --driver-host ADDR); this host's addresses are " + String.join(", ", hostAddresses())
                + "; an executor's stderr on its worker says what failed";
    }

    private static boolean isLoopback(String host) {
        return host.startsWith("127.") || host.equals("localhost") || host.equals("::1");
    }

    /** The host of a {@code spark://HOST:PORT} master URL, or the URL. */
    private static String masterHost(String master) {
        String rest = master.replaceFirst("^[a-z]+://", "");
        int colon = rest.lastIndexOf(':');
        return colon > 0 ? rest.substring(0, colon) : rest;
    }

    private static String driverAddress(SparkConf conf) {
        if (!conf.contains("spark.driver.host")) {
            return "the address Spark chose for it (spark.driver.host not set)";
        }
        return conf.get("spark.driver.host") + (conf.contains("spark.driver.port") ? ":" + conf.get("spark.driver.port") : "");
    }

    /** This host's IPv4 addresses, loopback last. */
    static List<String> hostAddresses() {
        List<String> out = new ArrayList<>();
        List<String> loopback = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        (a.isLoopbackAddress() ? loopback : out).add(a.getHostAddress() + " (" + nic.getName() + ")");
                    }
                }
            }
        } catch (SocketException e) {
            out.add("(unknown: " + e.getMessage() + ")");
        }
        out.addAll(loopback);
        return out;
    }
}
