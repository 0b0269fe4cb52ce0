package io.github.sparkresnet.train;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.OutputStoreException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One driver per run: while a driver trains a run, it holds {@code OUTPUT/leases/RUN_ID.lease}, created
 * atomically (create-if-absent) and naming its holder, host and process; its modification time is the
 * heartbeat, refreshed in place while the run goes on. A second driver for the same run is refused at
 * once, before it touches anything, unless the holder is gone: a dead process on the same host is taken
 * over immediately, any other holder once its heartbeat is older than the staleness limit.
 *
 * <p>Create-if-absent is atomic on HDFS and, for one machine, on a local file system. On object stores
 * without it (S3 before conditional writes) two drivers starting within the same instant could both
 * believe they hold the lease; the check before every epoch's commit ({@link #ensureHeld}) still stops
 * a driver whose lease was taken over.
 */
final class RunLease implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(RunLease.class);
    static final Duration HEARTBEAT = Duration.ofSeconds(10);
    private final Duration every;

    private final FileSystem fs;
    private final Path file;
    private final String runId;
    private final String holder;
    private final ScheduledExecutorService heartbeat;

    private RunLease(FileSystem fs, Path file, String runId, String holder, Duration every) {
        this.every = every;
        this.fs = fs;
        this.file = file;
        this.runId = runId;
        this.holder = holder;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "run-lease-heartbeat");
            t.setDaemon(true);
            return t;
        });
        heartbeat.scheduleWithFixedDelay(this::beat, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The lease file of {@code runId} under {@code output}. */
    static Path file(String output, String runId) {
        return new Path(new Path(output, "leases"), runId + ".lease");
    }

    /**
     * Takes the run's lease, or fails with a {@link BadInputException} naming the run, its holder and
     * when it was last alive.
     */
    static RunLease acquire(String output, String runId, Duration staleAfter, Configuration conf) {
        return acquire(output, runId, staleAfter, HEARTBEAT, conf);
    }

    /** The same with the heartbeat every {@code every} (tests). */
    static RunLease acquire(String output, String runId, Duration staleAfter, Duration every, Configuration conf) {
        Path file = file(output, runId);
        try {
            FileSystem fs = file.getFileSystem(conf);
            fs.mkdirs(file.getParent());
            String holder = UUID.randomUUID().toString();
            if (tryCreate(fs, file, holder)) {
                return new RunLease(fs, file, runId, holder, every);
            }
            Held held = Held.read(fs, file);
            String gone = held.gone(staleAfter);
            if (gone == null) {
                throw new BadInputException("run " + runId + " is already running: " + held.describe() + " holds " + file
                        + "; wait for it to end or stop it (a lease whose holder is gone is taken over after "
                        + staleAfter.toSeconds() + " s), or choose another --run-id");
            }
            LOG.warn("run {}: taking over the lease of {} ({})", runId, held.describe(), gone);
            fs.delete(file, false);
            if (tryCreate(fs, file, holder)) {
                return new RunLease(fs, file, runId, holder, every);
            }
            throw new BadInputException("run " + runId + " is already running: " + Held.read(fs, file).describe()
                    + " took over " + file + " at the same moment");
        } catch (IOException e) {
            throw new BadInputException("--output " + output + ": cannot take the run's lease " + file + " (" + e.getMessage() + ")", e);
        }
    }

    private static boolean tryCreate(FileSystem fs, Path file, String holder) throws IOException {
        Properties p = new Properties();
        p.setProperty("holder", holder);
        p.setProperty("host", hostName());
        p.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
        p.setProperty("started", Instant.now().toString());
        try (OutputStream out = fs.create(file, false)) {
            p.store(out, "spark-resnet run lease: the driver training this run");
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            if (fs.exists(file)) {
                return false;   // some file systems report an existing file as a plain IOException
            }
            throw e;
        }
    }

    /** Fails if another driver has taken this run's lease over: this driver must not write the run any more. */
    void ensureHeld() {
        try {
            Held held = Held.read(fs, file);
            if (!holder.equals(held.holder)) {
                throw new BadInputException("run " + runId + " is now run by another driver: " + held.describe()
                        + " took " + file + " over (this driver's heartbeat lapsed longer than the staleness allows); "
                        + "this driver stops without writing the epoch");
            }
        } catch (IOException e) {
            throw new OutputStoreException("reading the run's lease " + file, e);
        }
    }

    private void beat() {
        try {
            long now = System.currentTimeMillis();
            fs.setTimes(file, now, -1);
            if (fs.getFileStatus(file).getModificationTime() < now - every.toMillis() / 2) {
                // Stores that ignore setTimes (S3A): write the same lease again, which replaces it whole.
                byte[] content;
                try (InputStream in = fs.open(file)) {
                    content = in.readAllBytes();
                }
                if (new String(content, StandardCharsets.UTF_8).contains("holder=" + holder)) {
                    try (OutputStream out = fs.create(file, true)) {
                        out.write(content);
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("run {}: cannot refresh the lease {} ({})", runId, file, e.getMessage());
        }
    }

    /** Stops the heartbeat and gives the lease back, if it is still this driver's. */
    @Override
    public void close() {
        heartbeat.shutdownNow();
        try {
            if (holder.equals(Held.read(fs, file).holder)) {
                fs.delete(file, false);
                // A run that ends on bad input leaves --output as it found it: no empty leases/ behind.
                if (fs.listStatus(file.getParent()).length == 0) {
                    fs.delete(file.getParent(), false);
                }
            }
        } catch (IOException e) {
            LOG.warn("run {}: cannot release the lease {} ({}); the next driver takes it over when it is stale",
                    runId, file, e.getMessage());
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }

    /** What a lease file says about its holder, and when it was last alive. */
    private record Held(String holder, String host, long pid, String started, Instant lastAlive) {
        static Held read(FileSystem fs, Path file) throws IOException {
            Instant lastAlive = Instant.ofEpochMilli(fs.getFileStatus(file).getModificationTime());
            Properties p = new Properties();
            try (InputStream in = fs.open(file)) {
                p.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            }
            long pid;
            try {
                pid = Long.parseLong(p.getProperty("pid", "-1"));
            } catch (NumberFormatException e) {
                pid = -1;
            }
            return new Held(p.getProperty("holder", ""), p.getProperty("host", "?"), pid,
                    p.getProperty("started", "?"), lastAlive);
        }

        /** Why the holder counts as gone, or null while it may still be running. */
        String gone(Duration staleAfter) {
            if (host.equals(hostName()) && pid > 0 && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                return "process " + pid + " on this host has ended";
            }
            Duration silent = Duration.between(lastAlive, Instant.now());
            if (silent.compareTo(staleAfter) > 0) {
                return "no heartbeat for " + silent.toSeconds() + " s";
            }
            return null;
        }

        String describe() {
            return "the driver with pid " + pid + " on host " + host + " (started " + started + ", last alive "
                    + Math.max(0, Duration.between(lastAlive, Instant.now()).toSeconds()) + " s ago)";
        }
    }
}
