package io.github.sparkresnet.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.BadInputException;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClassPairTest {
    private static final List<String> NAMES = CifarLayout.DEFAULT_CLASS_NAMES;

    @Test
    void defaultPairIsAirplaneAndBird() {
        ClassPair p = ClassPair.parse(ClassPair.DEFAULT, NAMES);
        assertEquals(new ClassPair(0, 2, "airplane", "bird"), p);
    }

    @Test
    void namesAreCaseInsensitiveAndOrderDecidesTheTarget() {
        ClassPair p = ClassPair.parse(" Ship , cat", NAMES);
        assertEquals(8, p.firstLabel());
        assertEquals(3, p.secondLabel());
        assertEquals(List.of("ship", "cat"), p.names());
    }

    @Test
    void indicesWork() {
        assertEquals(new ClassPair(9, 1, "truck", "automobile"), ClassPair.parse("9,1", NAMES));
    }

    @Test
    void unknownNameListsTheValidOnes() {
        String msg = assertThrows(BadInputException.class, () -> ClassPair.parse("airplane,zebra", NAMES)).getMessage();
        assertTrue(msg.contains("unknown class 'zebra'"), msg);
        assertTrue(msg.contains("airplane, automobile, bird"), msg);
    }

    @Test
    void repeatedClass() {
        String msg = assertThrows(BadInputException.class, () -> ClassPair.parse("bird,2", NAMES)).getMessage();
        assertTrue(msg.contains("the same class (bird) is named twice"), msg);
    }

    @Test
    void notTwoClasses() {
        for (String bad : new String[] {"bird", "a,b,c", "", "bird,"}) {
            assertThrows(BadInputException.class, () -> ClassPair.parse(bad, NAMES), bad);
        }
    }

    @Test
    void indexOutOfRange() {
        String msg = assertThrows(BadInputException.class, () -> ClassPair.parse("0,10", NAMES)).getMessage();
        assertTrue(msg.contains("label index 10 is out of range"), msg);
    }
}
