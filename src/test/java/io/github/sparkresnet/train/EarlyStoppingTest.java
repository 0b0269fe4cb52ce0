package io.github.sparkresnet.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class EarlyStoppingTest {
    @Test
    void stopsAfterPatienceEpochsWithoutALowerLossAndSurvivesAResume() {
        EarlyStopping s = new EarlyStopping(2);
        s.record(0.5);
        s.record(0.4);
        s.record(0.45);
        assertFalse(s.shouldStop(), "one epoch without improvement");
        Properties checkpoint = new Properties();
        s.describe(checkpoint);

        EarlyStopping resumed = EarlyStopping.restore(2, checkpoint);
        resumed.record(0.41);
        assertTrue(resumed.shouldStop(), "two epochs without beating 0.4");

        EarlyStopping off = new EarlyStopping(0);
        for (int i = 0; i < 5; i++) {
            off.record(1.0 + i);
        }
        assertFalse(off.shouldStop(), "patience 0 never stops");
    }
}
