package io.github.sparkresnet.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The epoch's attempts are counted per recovery point: going back to the same point again uses up
 * the attempts; getting past a newer copy of the state counts from one again.
 */
class RecoveryAttemptsTest {
    private static final long S = 1_000_000_000L;

    @Test
    void lossesBackToTheEpochsStartUseUpItsAttempts() {
        RecoveryAttempts attempts = new RecoveryAttempts(3, 0);
        assertTrue(attempts.lost(0, 20 * S));
        assertEquals(2, attempts.next());
        assertTrue(attempts.lost(0, 39 * S));
        assertEquals(3, attempts.next());
        assertFalse(attempts.lost(0, 60 * S), "the third loss from the epoch's start is the last allowed");
        assertEquals("20 s, 19 s, 21 s", attempts.lasted());
    }

    @Test
    void aLossBackToANewerCopyCountsFromOneAgain() {
        RecoveryAttempts attempts = new RecoveryAttempts(3, 0);
        assertTrue(attempts.lost(0, 10 * S));
        assertTrue(attempts.lost(0, 20 * S)); // two of three from the epoch's start
        assertTrue(attempts.lost(4, 30 * S), "the run got past a copy at round 4: one attempt from there");
        assertEquals(4, attempts.point());
        assertEquals(2, attempts.next());
        assertTrue(attempts.lost(4, 35 * S));
        assertFalse(attempts.lost(4, 45 * S), "no way past round 4 in three attempts");
        assertEquals("10 s, 5 s, 10 s", attempts.lasted(), "the attempts from round 4 only");
    }

    @Test
    void oneAttemptAllowedMeansNoGoingBack() {
        assertFalse(new RecoveryAttempts(1, 0).lost(0, S));
        assertFalse(new RecoveryAttempts(1, 0).lost(7, S));
        RecoveryAttempts none = new RecoveryAttempts(0, 0);
        assertEquals(1, none.allowed(), "at least one attempt");
    }
}
