package io.github.sparkresnet.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.regexp_extract;

import io.github.sparkresnet.spark.SparkSessions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.SparkConf;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A user's Spark application built on the estimator, as {@code PipelineIT} runs it in a JVM of its
 * own against a standalone cluster (the job jar shipped to the executors with {@code spark.jars}):
 *
 * <pre>
 *   fit  MASTER JOB_JAR IMAGES PIPELINE PREDICTIONS RUNS   fit StringIndexer -> ResNetClassifier, save, score
 *   load MASTER JOB_JAR IMAGES PIPELINE PREDICTIONS        load the saved PipelineModel, score
 * </pre>
 *
 * Prints {@code auc=} (BinaryClassificationEvaluator on the validation rows) and {@code workers=}.
 */
public final class PipelineApp {
    private PipelineApp() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        SparkSession spark = session(args[1], args[2]);
        try {
            Dataset<Row> images = spark.read().format("image").option("recursiveFileLookup", true).load(args[3])
                    .withColumn("name", regexp_extract(col("image.origin"), "/(airplane|bird)/", 1))
                    // every fifth image (by its record number in the file name) is for validation
                    .withColumn("isVal", regexp_extract(col("image.origin"), "-([0-9]+)\\.png$", 1).cast("int")
                            .mod(5).equalTo(0));
            PipelineModel model;
            if (mode.equals("fit")) {
                Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
                    new StringIndexer().setInputCol("name").setOutputCol("label"),
                    new ResNetClassifier().setValidationIndicatorCol("isVal").setOption("epochs", 2)
                            .setOption("batchSizePerWorker", 16).setOption("averagingFrequency", 3)
                            .setOption("output", args[6]).setOption("runId", "pipeline")});
                model = pipeline.fit(images);
                model.write().overwrite().save(args[4]);
                ResNetClassificationModel resnet = (ResNetClassificationModel) model.stages()[1];
                Row last = resnet.summary().orderBy(col("epoch").desc()).first();
                System.out.println("workers=" + last.getAs("workers_min") + "," + last.getAs("workers_max"));
                System.out.println("summary_auc=" + last.getAs("roc_auc"));
            } else {
                model = PipelineModel.load(args[4]);
            }
            Dataset<Row> scored = model.transform(images).cache(); // scored once for the evaluator and the file
            double auc = new BinaryClassificationEvaluator().setLabelCol("label").setRawPredictionCol("rawPrediction")
                    .evaluate(scored.filter(col("isVal")));
            System.out.println("auc=" + auc);
            scored.select(col("image.origin").as("origin"), col("label"), col("prediction"),
                    org.apache.spark.ml.functions.vector_to_array(col("probability"), "float64").as("probability"))
                    .write().mode("overwrite").parquet(args[5]);
        } finally {
            spark.stop();
        }
    }

    /** A session on {@code master} set up as submit/standalone.sh sets one up: the job jar, ND4J's options. */
    private static SparkSession session(String master, String jobJar) throws Exception {
        Path root = Path.of(System.getProperty("project.basedir", ".")).toAbsolutePath();
        String javaOptions = Files.readAllLines(root.resolve("conf/java-options")).stream().map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).collect(Collectors.joining(" "));
        SparkConf conf = new SparkConf().setMaster(master).setAppName("pipeline-app")
                .set("spark.jars", jobJar)
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.executor.cores", "1")
                .set("spark.cores.max", "2")
                .set("spark.executor.memory", "1500m")
                .set("spark.executor.extraJavaOptions", javaOptions + " -Dorg.bytedeco.javacpp.maxbytes=3g")
                .set("spark.plugins", "io.github.sparkresnet.spark.Nd4jSparkPlugin")
                .set("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s")
                .set("spark.ui.enabled", "false");
        SparkSessions.applyRequired(conf);
        return SparkSession.builder().config(conf).getOrCreate();
    }

    /** The classes this app reads: for the IT's folder. */
    static final List<String> CLASSES = List.of("airplane", "bird");
}
