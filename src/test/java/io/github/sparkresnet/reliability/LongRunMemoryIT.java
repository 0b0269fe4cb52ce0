package io.github.sparkresnet.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.submit.ScriptRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ten epochs in one driver: the resident and off-heap memory it retains, as the metrics record them
 * per epoch, stay within 10% of their median after the first epoch (which includes the one-off
 * warm-up: JIT, ND4J workspaces, Spark's caches), and the executors' peaks do not trend upwards.
 * Old checkpoints are pruned as they go.
 */
class LongRunMemoryIT {
    private static final double TOLERANCE = 0.10;

    @TempDir
    Path out;

    @Test
    void memoryStaysFlatOverTenEpochs() throws Exception {
        // The heap is committed and touched up front (-Xms = -Xmx, AlwaysPreTouch), as a long-running
        // service would run: its lazy growth up to -Xmx is then not mistaken for a leak, and what
        // resident memory still changes is native (ND4J, oneDNN, Netty, malloc).
        ScriptRun run = LocalRun.start(Map.of("JAVA_OPTS", "-Xms4g -XX:+AlwaysPreTouch"), RealCifar.dir().toString(),
                out, "long", 10,
                "--keep-checkpoints", "2").await(Duration.ofMinutes(15));
        assertEquals(0, run.exitCode(), run.output());
        List<Row> rows = LocalRun.rows(out, "long");
        assertEquals(10, rows.size());
        List<String> columns = List.of("driver_rss_bytes", "driver_offheap_bytes", "executor_rss_bytes",
                "executor_offheap_bytes");
        StringBuilder table = new StringBuilder();
        for (String column : columns) {
            table.append(column).append(" per epoch (MB): ").append(rows.stream()
                    .map(r -> ((long) r.getAs(column)) >> 20).collect(Collectors.toList())).append('\n');
        }
        System.out.print(table);
        for (String column : columns) {
            List<Long> perEpoch = rows.stream().map(r -> (long) r.getAs(column)).collect(Collectors.toList());
            assertTrue(perEpoch.stream().allMatch(v -> v > 0), column + " measured:\n" + table);
            if (column.startsWith("driver")) {
                // retained memory (after a full GC): every epoch from 2 on (1 includes the warm-up)
                // within 10% of their median
                List<Long> steady = perEpoch.subList(1, perEpoch.size()).stream().sorted().collect(Collectors.toList());
                double median = steady.get(steady.size() / 2);
                for (int e = 1; e < perEpoch.size(); e++) {
                    double ratio = perEpoch.get(e) / median;
                    assertTrue(Math.abs(ratio - 1) <= TOLERANCE, String.format(
                            "%s of epoch %d is %.3fx the median of epochs 2-10:%n%s", column, e + 1, ratio, table));
                }
            } else {
                // peaks swing with GC timing; a leak shows as a trend: epochs 8-10 against 2-4
                double early = (perEpoch.get(1) + perEpoch.get(2) + perEpoch.get(3)) / 3.0;
                double late = (perEpoch.get(7) + perEpoch.get(8) + perEpoch.get(9)) / 3.0;
                assertTrue(late <= early * (1 + TOLERANCE), String.format(
                        "%s peaks grew %.3fx from epochs 2-4 to 8-10:%n%s", column, late / early, table));
            }
        }
        try (var files = Files.list(out.resolve("checkpoints/long"))) {
            assertEquals(List.of("epoch-0009.zip", "epoch-0010.zip"), files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".zip")).sorted().collect(Collectors.toList()), "--keep-checkpoints 2");
        }
    }
}
