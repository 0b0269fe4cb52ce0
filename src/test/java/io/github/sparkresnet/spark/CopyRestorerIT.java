package io.github.sparkresnet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.submit.StandaloneCluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real standalone cluster of two 1-core Workers: a block cached with two copies keeps one when
 * an executor is lost, and Spark alone (even with proactive replication, which copies only at the
 * loss, when there is no other executor) leaves it at one for good. With {@link CopyRestorer} the
 * replacement's arrival gives every such block its second copy back.
 */
class CopyRestorerIT {
    @TempDir
    static Path dir;

    @Test
    void blocksLeftWithOneCopyByALossGetTheirSecondWhenAReplacementArrives() throws Exception {
        try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, 1, "2g")) {
            List<String> cmd = StandaloneCluster.applicationCommand("1g", CopiesOnArrivalApp.class.getName(),
                    cluster.masterUrl(), StandaloneCluster.jobJar().toString(),
                    StandaloneCluster.ROOT.resolve("target/test-classes").toString());
            Path log = dir.resolve("app.log");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(StandaloneCluster.SUBMIT_ENV);
            Process app = pb.start();
            try {
                assertTrue(app.waitFor(5, TimeUnit.MINUTES), "the app finished:\n" + Files.readString(log));
                String output = Files.readString(log);
                output.lines().filter(l -> l.matches("(cached|afterLoss|arrived|afterArrival)=.*|.*(CopyRestorer|Lost executor|Registered executor).*"))
                        .forEach(l -> System.out.println("copies on arrival app: " + l));
                assertEquals(0, app.exitValue(), output);
                assertTrue(output.contains("cached=[2, 2, 2, 2]"), "two copies of each block at first:\n" + output);
                assertTrue(output.contains("afterLoss=[1, 1, 1, 1]"), "the loss took one copy of each:\n" + output);
                assertTrue(output.contains("arrived=true"), "a replacement registered:\n" + output);
                assertTrue(output.contains("afterArrival=[2, 2, 2, 2]"), "its arrival restored the second:\n" + output);
                assertTrue(output.contains("cached blocks left with fewer copies than their storage level asks for "
                        + "copied again"), "the driver said so in one line:\n" + output);
            } finally {
                app.destroyForcibly();
            }
        }
    }
}
