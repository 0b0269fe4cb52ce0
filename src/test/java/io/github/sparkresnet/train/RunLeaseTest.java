package io.github.sparkresnet.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.BadInputException;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run lease on the local file system: refused while held, taken over once its holder is gone. */
class RunLeaseTest {
    private static final Duration STALE = Duration.ofSeconds(60);
    private static final Configuration CONF = new Configuration();

    @TempDir
    Path out;

    private Path leaseFile(String runId) {
        return out.resolve("leases").resolve(runId + ".lease");
    }

    @Test
    void aSecondDriverIsRefusedWhileTheFirstHoldsTheRun() throws Exception {
        try (RunLease first = RunLease.acquire(out.toString(), "r", STALE, CONF)) {
            String before = Files.readString(leaseFile("r"));
            BadInputException e = assertThrows(BadInputException.class, () -> RunLease.acquire(out.toString(), "r", STALE, CONF));
            assertTrue(e.getMessage().startsWith("run r is already running: the driver with pid " + ProcessHandle.current().pid()
                    + " on host " + InetAddress.getLocalHost().getHostName()), e.getMessage());
            assertTrue(e.getMessage().contains("last alive"), e.getMessage());
            assertEquals(before, Files.readString(leaseFile("r")), "the refused driver touched the lease");
            first.ensureHeld();
            // another run id is another lease
            RunLease.acquire(out.toString(), "other", STALE, CONF).close();
        }
        assertFalse(Files.exists(leaseFile("r")), "closing gives the lease back");
        RunLease.acquire(out.toString(), "r", STALE, CONF).close();
    }

    @Test
    void aDeadProcessOnThisHostIsTakenOverAtOnce() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        writeLease("r", InetAddress.getLocalHost().getHostName(), ended.pid(), Instant.now());
        try (RunLease taken = RunLease.acquire(out.toString(), "r", STALE, CONF)) {
            assertTrue(Files.readString(leaseFile("r")).contains("pid=" + ProcessHandle.current().pid()));
            taken.ensureHeld();
        }
    }

    @Test
    void anotherHostsLeaseIsTakenOverOnlyOnceItsHeartbeatIsStale() throws Exception {
        writeLease("r", "some-other-host", 12345, Instant.now().minusSeconds(5));
        BadInputException e = assertThrows(BadInputException.class, () -> RunLease.acquire(out.toString(), "r", STALE, CONF));
        assertTrue(e.getMessage().contains("pid 12345 on host some-other-host"), e.getMessage());

        Files.setLastModifiedTime(leaseFile("r"), FileTime.from(Instant.now().minusSeconds(120)));
        RunLease.acquire(out.toString(), "r", STALE, CONF).close();
    }

    @Test
    void theHoldersHeartbeatKeepsItsLeaseFresh() throws Exception {
        try (RunLease held = RunLease.acquire(out.toString(), "r", STALE, Duration.ofMillis(200), CONF)) {
            Files.setLastModifiedTime(leaseFile("r"), FileTime.from(Instant.now().minusSeconds(120)));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (Files.getLastModifiedTime(leaseFile("r")).toInstant().isBefore(Instant.now().minusSeconds(30))) {
                assertTrue(System.nanoTime() < deadline, "no heartbeat refreshed the lease");
                Thread.sleep(50);
            }
            assertThrows(BadInputException.class, () -> RunLease.acquire(out.toString(), "r", STALE, CONF));
            held.ensureHeld();
        }
    }

    @Test
    void aDriverWhoseLeaseWasTakenOverMayNotCommit() throws Exception {
        RunLease first = RunLease.acquire(out.toString(), "r", STALE, CONF);
        // as if its heartbeats had stopped long ago and another driver took over
        Files.setLastModifiedTime(leaseFile("r"), FileTime.from(Instant.now().minusSeconds(120)));
        writeLease("r", "some-other-host", 999, Instant.now());
        // one error line (exit 2) naming the new holder, as for a driver refused at start
        BadInputException e = assertThrows(BadInputException.class, first::ensureHeld);
        assertTrue(e.getMessage().startsWith("run r is now run by another driver: the driver with pid 999 on host "
                + "some-other-host"), e.getMessage());
        first.close();
        assertTrue(Files.exists(leaseFile("r")), "closing must not remove another driver's lease");
    }

    private void writeLease(String runId, String host, long pid, Instant lastAlive) throws Exception {
        // as another driver would write it: through Hadoop's file system (which keeps a checksum beside it)
        Path file = leaseFile(runId);
        org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.getLocal(CONF);
        try (java.io.OutputStream o = fs.create(new org.apache.hadoop.fs.Path(file.toUri()), true)) {
            o.write(("holder=someone-else\nhost=" + host + "\npid=" + pid + "\nstarted=" + lastAlive + "\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Files.setLastModifiedTime(file, FileTime.from(lastAlive));
    }
}
