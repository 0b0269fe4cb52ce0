package io.github.sparkresnet.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.ImageFolders;
import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.spark.TestSpark;
import io.github.sparkresnet.submit.StandaloneCluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The estimator in a user's Spark application on a real standalone cluster of two one-core workers:
 * PNG files of CIFAR-10 airplanes and birds read with Spark's image source, a {@code Pipeline} of
 * {@code StringIndexer} and {@link ResNetClassifier} fitted on both executors, its output scored with
 * Spark's {@code BinaryClassificationEvaluator}, the {@code PipelineModel} saved, then loaded in a
 * fresh application (another JVM, another session) that predicts the same.
 */
class PipelineIT {
    @TempDir
    Path dir;

    @Test
    void aPipelineFitsOnTwoWorkersSavesAndPredictsTheSameInAFreshApplication() throws Exception {
        Path images = ImageFolders.writeCifar(RealCifar.dir().resolve("data_batch_1.bin"), PipelineApp.CLASSES, 100,
                dir.resolve("images"));
        Path pipeline = dir.resolve("pipeline");
        try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, 1, "3g")) {
            String fit = app(cluster, "fit", images, pipeline, dir.resolve("fitted.parquet"), dir.resolve("runs"));
            assertTrue(fit.contains("workers=2,2"), "both executors trained every round:\n" + fit);
            String load = app(cluster, "load", images, pipeline, dir.resolve("loaded.parquet"));
            // scoring restores the network once per partition on executors of 1.5 GB of heap
            assertFalse(fit.contains("Lost executor"), "no executor lost while fitting and scoring:\n" + fit);
            assertFalse(load.contains("Lost executor"), "no executor lost while scoring:\n" + load);

            double summaryAuc = number(fit, "summary_auc=");
            double fittedAuc = number(fit, "auc=");
            assertEquals(summaryAuc, fittedAuc, 1e-6, "Spark's evaluator on the model's output agrees with the job's");
            assertEquals(fittedAuc, number(load, "auc="), 1e-9);
        }
        Map<String, Row> fitted = byOrigin(dir.resolve("fitted.parquet"));
        Map<String, Row> loaded = byOrigin(dir.resolve("loaded.parquet"));
        assertEquals(200, fitted.size());
        assertEquals(fitted.keySet(), loaded.keySet());
        for (Map.Entry<String, Row> e : fitted.entrySet()) {
            Row a = e.getValue();
            Row b = loaded.get(e.getKey());
            assertEquals((double) a.getAs("prediction"), (double) b.getAs("prediction"), 0.0, e.getKey());
            List<Double> pa = a.getList(a.fieldIndex("probability"));
            List<Double> pb = b.getList(b.fieldIndex("probability"));
            assertEquals(pa.get(1), pb.get(1), 1e-6, e.getKey());
        }
        assertTrue(Files.exists(dir.resolve("runs/model/pipeline/final.zip")), "the run kept where output said");
    }

    private static Map<String, Row> byOrigin(Path parquet) {
        Map<String, Row> m = new TreeMap<>();
        for (Row r : TestSpark.get().read().parquet(parquet.toString()).collectAsList()) {
            m.put(r.getAs("origin"), r);
        }
        return m;
    }

    private static double number(String output, String key) {
        return output.lines().filter(l -> l.startsWith(key)).map(l -> Double.parseDouble(l.substring(key.length())))
                .findFirst().orElseThrow(() -> new AssertionError("no " + key + " in:\n" + output));
    }

    /** Runs {@link PipelineApp} in a JVM of its own (this test's classpath, the job's Java options); its output. */
    private String app(StandaloneCluster cluster, String mode, Path images, Path pipeline, Path predictions,
                       Path... more) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(StandaloneCluster.applicationCommand("2g", PipelineApp.class.getName(),
                mode, cluster.masterUrl(), StandaloneCluster.jobJar().toString(), images.toString(), pipeline.toString(),
                predictions.toString()));
        for (Path p : more) {
            cmd.add(p.toString());
        }
        Path log = dir.resolve(mode + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(StandaloneCluster.SUBMIT_ENV);
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(mode + " did not finish in 10 minutes:\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        assertEquals(0, p.exitValue(), mode + " failed:\n" + output);
        return output;
    }
}
