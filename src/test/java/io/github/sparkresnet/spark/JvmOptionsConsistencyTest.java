package io.github.sparkresnet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The Java 17 flags Spark needs are the same in every launcher, and this very JVM got them. */
class JvmOptionsConsistencyTest {
    private static final Path ROOT = Path.of(System.getProperty("project.basedir", "."));

    private static List<String> javaOptionsFile() throws IOException {
        return Files.readAllLines(ROOT.resolve("conf/java-options")).stream()
                .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).collect(Collectors.toList());
    }

    @Test
    void sparkDefaultsCarryTheSameListForDriverAndExecutors() throws IOException {
        List<String> expected = javaOptionsFile();
        assertTrue(expected.size() >= 15, "conf/java-options holds Spark's list: " + expected);
        String conf = Files.readString(ROOT.resolve("conf/spark-defaults.conf"));
        for (String key : List.of("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions")) {
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(key) + "\\s+(.*)$").matcher(conf);
            assertTrue(m.find(), key + " missing in conf/spark-defaults.conf");
            List<String> actual = Arrays.asList(m.group(1).trim().split("\\s+"));
            assertEquals(expected, actual.subList(0, Math.min(expected.size(), actual.size())), key);
            // then only ND4J's off-heap limits
            List<String> rest = actual.subList(expected.size(), actual.size());
            assertEquals(2, rest.size(), key + " ends with maxbytes and maxphysicalbytes: " + rest);
            assertTrue(rest.get(0).matches("-Dorg\\.bytedeco\\.javacpp\\.maxbytes=\\d+[mg]"), rest.get(0));
            assertTrue(rest.get(1).matches("-Dorg\\.bytedeco\\.javacpp\\.maxphysicalbytes=\\d+[mg]"), rest.get(1));
        }
    }

    @Test
    void pomPropertyMatches() throws IOException {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        Matcher m = Pattern.compile("<java17.options>(.*?)</java17.options>", Pattern.DOTALL).matcher(pom);
        assertTrue(m.find());
        assertEquals(javaOptionsFile(), Arrays.asList(m.group(1).trim().split("\\s+")));
    }

    @Test
    void thisTestJvmWasStartedWithThem() throws IOException {
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String opt : javaOptionsFile()) {
            assertTrue(args.contains(opt), "surefire argLine lacks " + opt);
        }
    }
}
