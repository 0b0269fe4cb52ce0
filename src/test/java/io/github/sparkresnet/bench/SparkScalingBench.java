package io.github.sparkresnet.bench;

import io.github.sparkresnet.cli.Main;
import io.github.sparkresnet.data.CifarReader;
import io.github.sparkresnet.data.CifarSource;
import io.github.sparkresnet.data.ClassPair;
import io.github.sparkresnet.data.Minibatches;
import io.github.sparkresnet.data.Normalization;
import io.github.sparkresnet.model.ResNet34;
import io.github.sparkresnet.model.ResNetConfig;
import io.github.sparkresnet.spark.SparkSessions;
import io.github.sparkresnet.train.TrainConfig;
import io.github.sparkresnet.train.TrainingJob;

import java.nio.file.Files;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The job's throughput against one process, both measured in this one JVM run on the same images and cores:
 * (a) one process fitting the minibatches in a plain loop, (b) the training job on local[W] with
 * parameter averaging (W workers), its second epoch. Prints img/s of each and their ratio.
 *
 * <p>Usage: {@code SparkScalingBench CIFAR_DIR IMAGES WORKERS BATCH AVG_FREQ}
 */
public final class SparkScalingBench {
    public static void main(String[] args) throws Exception {
        String dir = args[0];
        int images = Integer.parseInt(args[1]);
        int workers = Integer.parseInt(args[2]);
        int batch = Integer.parseInt(args[3]);
        int freq = Integer.parseInt(args[4]);
        SparkConf conf = new SparkConf().setMaster("local[" + workers + "]").setAppName("scaling-bench")
                .set("spark.ui.enabled", "false");
        SparkSession spark = SparkSession.builder().config(SparkSessions.applyRequired(conf)).getOrCreate();

        // (a) single process: the same number of images, in minibatches of the same size
        CifarSource source = CifarSource.resolve(dir, spark.sparkContext().hadoopConfiguration());
        ClassPair pair = ClassPair.parse(ClassPair.DEFAULT, source.classNames());
        List<DataSet> local = Minibatches.shuffled(pair.select(CifarReader.read(spark, source)).filter("split = 'train'")
                .orderBy("source_file", "record_index").limit(images), batch, 1, 1, Normalization.HALF).collect();
        ComputationGraph net = ResNet34.build(ResNetConfig.cifarPair());
        net.fit(local.get(0)); // warm-up, like the first round's set-up in (b)
        long t0 = System.nanoTime();
        for (DataSet ds : local) {
            net.fit(ds);
        }
        double single = images / ((System.nanoTime() - t0) / 1e9);
        System.out.printf("single process: %d images, %.1f img/s%n", images, single);

        // (b) the training job, two epochs, parameter averaging over local[W]; the second epoch is
        // measured (the first pays for the JIT and first-round set-up, as (a)'s warm-up step does)
        String out = Files.createTempDirectory("scaling-bench").toString();
        TrainConfig c = Main.trainConfig("--data", dir, "--epochs", "2", "--batch-size-per-worker", "" + batch,
                "--workers", "" + workers, "--averaging-frequency", "" + freq, "--output", out, "--run-id", "bench",
                "--limit-train", "" + images, "--limit-test", "100");
        TrainingJob job = new TrainingJob(spark, c);
        TrainingJob.Plan plan = job.plan();
        long t1 = System.nanoTime();
        job.run(plan);
        double wall = (System.nanoTime() - t1) / 1e9;
        double parallel = spark.read().parquet(out + "/metrics").where("epoch = 2").first().<Double>getAs("train_img_per_s");
        System.out.printf("local[%d] parameter averaging: %.1f img/s in epoch 2's fit (%.1f s for both epochs incl. "
                + "evaluation and checkpoints)%n", workers, parallel, wall);
        System.out.printf("scaling workers=%d batch=%d avg_freq=%d images=%d single_img_per_s=%.1f spark_img_per_s=%.1f "
                + "ratio=%.2f%n", workers, batch, freq, images, single, parallel, parallel / single);
        System.exit(0);
    }
}
