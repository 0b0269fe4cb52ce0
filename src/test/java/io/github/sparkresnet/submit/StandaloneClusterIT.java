package io.github.sparkresnet.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.spark.TestSpark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar on a real standalone cluster: a Master and two 1-core Workers on 127.0.0.1, the job
 * submitted by submit/standalone.sh through SparkSubmit, two epochs on a small subset with two
 * executors, then the metrics table checked.
 */
class StandaloneClusterIT {
    @TempDir
    Path dir;

    @Test
    void trainsTwoEpochsOnTwoExecutors() throws Exception {
        String data = RealCifar.dir().toString();
        Path out = dir.resolve("out");
        try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, 1, "3g")) {
            ScriptRun run = ScriptRun.run(StandaloneCluster.SUBMIT_ENV, 15, "submit/standalone.sh",
                    cluster.submitArgs(2, "train", "--data", data, "--output", out.toString(), "--run-id", "cluster", "--epochs", "2",
                    "--limit-train", "256", "--limit-test", "100", "--batch-size-per-worker", "32",
                    "--averaging-frequency", "2", "--progress-seconds", "5"));
            assertEquals(0, run.exitCode(), run.output());
            assertTrue(run.output().contains("run cluster done"), run.output());

            List<Row> rows = TestSpark.get().read().parquet(out.resolve("metrics").toString())
                    .orderBy("epoch").collectAsList();
            assertEquals(2, rows.size());
            for (Row r : rows) {
                assertEquals(2, (int) r.getAs("workers"), "one training worker per executor core");
                assertEquals(256L, (long) r.getAs("train_images"));
                assertEquals(100L, (long) r.getAs("val_images"));
                double acc = r.getAs("val_accuracy");
                double loss = r.getAs("train_loss");
                assertTrue(acc >= 0 && acc <= 1 && loss > 0 && loss < 20, acc + " " + loss);
            }
            assertTrue(Files.exists(out.resolve("model/cluster/final.zip")));

            // Each Worker ran one executor, which set ND4J up and said so at start-up.
            List<Path> logs = cluster.executorLogs();
            assertEquals(2, logs.size(), "executor logs: " + logs);
            for (Path log : logs) {
                String text = Files.readString(log);
                assertTrue(text.contains("ND4J backend CPU") && text.contains("oneDNN layer helpers ON"), log + ":\n" + text);
            }
        }
    }
}
