package io.github.sparkresnet.bench;

import io.github.sparkresnet.data.CifarReader;
import io.github.sparkresnet.data.CifarSource;
import io.github.sparkresnet.data.ClassPair;
import io.github.sparkresnet.data.Minibatches;
import io.github.sparkresnet.data.Normalization;
import io.github.sparkresnet.spark.SparkSessions;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Time to read all of CIFAR-10 into a DataFrame, select the class pair and materialize the shuffled
 * DataSet minibatches, on {@code local[2]}. JVM and Spark start-up are excluded; the first run
 * (cold: JIT, class loading) and the best of the following runs are reported.
 *
 * <p>Usage: {@code DataPipelineBench CIFAR_DIR [runs]} (see bench/data-pipeline.sh).
 */
public final class DataPipelineBench {
    public static void main(String[] args) {
        String dir = args[0];
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("data-pipeline-bench")
                .set("spark.ui.enabled", "false");
        SparkSession spark = SparkSession.builder().config(SparkSessions.applyRequired(conf)).getOrCreate();
        // ND4J loads its native libraries once per JVM (like JVM start-up, paid by every training run
        // anyway before the model exists): timed separately, not part of the pipeline figure.
        long n0 = System.nanoTime();
        org.nd4j.linalg.factory.Nd4j.create(1);
        double nd4jInit = (System.nanoTime() - n0) / 1e9;
        System.out.printf("nd4j native init: %.2f s%n", nd4jInit);
        // Spark's own first-job cost (scheduler, codegen and serializer warm-up), shown separately.
        long s0 = System.nanoTime();
        spark.range(0, 1000, 1, 2).selectExpr("id * 2 as x").repartition(2).javaRDD().count();
        double sparkWarm = (System.nanoTime() - s0) / 1e9;
        System.out.printf("spark first trivial job: %.2f s%n", sparkWarm);
        double best = Double.MAX_VALUE;
        double cold = 0;
        long read = 0;
        long examples = 0;
        for (int run = 0; run < runs; run++) {
            long t0 = System.nanoTime();
            CifarSource source = CifarSource.resolve(dir, spark.sparkContext().hadoopConfiguration());
            Dataset<Row> all = CifarReader.read(spark, source);
            ClassPair pair = ClassPair.parse(ClassPair.DEFAULT, source.classNames());
            // One job: every record is read and parsed, the pair kept, shuffled and cut into DataSets.
            examples = Minibatches.shuffled(pair.select(all), 64, 2, run, Normalization.HALF)
                    .map(ds -> (long) ds.numExamples()).reduce(Long::sum);
            double s = (System.nanoTime() - t0) / 1e9;
            read = source.files().stream().mapToLong(f -> f.records()).sum();
            System.out.printf("run %d: %.2f s (%d records read, %d pair examples in DataSets)%n", run + 1, s, read, examples);
            if (run == 0) {
                cold = s;
            } else {
                best = Math.min(best, s);
            }
        }
        System.out.printf("data_pipeline nd4j_init_s=%.2f spark_first_job_s=%.2f cold_s=%.2f warm_s=%.2f records=%d cold_records_per_s=%.0f "
                + "warm_records_per_s=%.0f pair_examples=%d%n", nd4jInit, sparkWarm, cold, best, read, read / cold, read / best, examples);
        spark.stop();
    }
}
