package io.github.sparkresnet.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.submit.ScriptRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real driver processes for one run, as a scheduler retry or a second start makes them: the second
 * is refused at once with one error line naming the run and its holder, touches nothing, and the first
 * finishes with exactly one metrics row per epoch.
 */
class RunLeaseIT {
    @TempDir
    Path out;

    @Test
    void aSecondDriverForARunningRunIsRefusedAndTheFirstFinishes() throws Exception {
        String data = RealCifar.dir().toString();
        ScriptRun.Running first = LocalRun.start(data, out, "twice", 2);
        first.awaitOutput(o -> o.contains("epoch 1/2: "), Duration.ofMinutes(5), "progress in epoch 1");
        assertTrue(Files.exists(out.resolve("leases/twice.lease")), "the running driver holds the run's lease");

        ScriptRun second = LocalRun.start(data, out, "twice", 2, "--resume").await(Duration.ofMinutes(5));
        assertEquals(2, second.exitCode(), second.output());
        List<String> errors = second.output().lines().filter(l -> l.startsWith("error: ")).collect(Collectors.toList());
        assertEquals(1, errors.size(), second.output());
        assertTrue(errors.get(0).startsWith("error: run twice is already running: the driver with pid ")
                && errors.get(0).contains("last alive"), errors.get(0));
        assertFalse(second.output().contains("resuming run twice"), "the refused driver went no further:\n" + second.output());

        ScriptRun finished = first.await(Duration.ofMinutes(10));
        assertEquals(0, finished.exitCode(), finished.output());
        assertEquals(List.of(1, 2), LocalRun.rows(out, "twice").stream().map(r -> (int) r.getAs("epoch"))
                .collect(Collectors.toList()));
        assertFalse(Files.exists(out.resolve("leases/twice.lease")), "the lease is given back when the run ends");
    }
}
