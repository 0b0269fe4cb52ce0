package io.github.sparkresnet.ml;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.ClassPair;
import io.github.sparkresnet.data.Minibatches;
import io.github.sparkresnet.data.Normalization;
import io.github.sparkresnet.eval.EvalResult;
import io.github.sparkresnet.eval.Evaluator;
import io.github.sparkresnet.eval.TestTimeAugmentation;
import io.github.sparkresnet.spark.TestSpark;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Spark's own evaluators on the model's output score the same images as the job's evaluator does
 * after every epoch: the same ROC AUC (from {@code rawPrediction}) and accuracy, with and without
 * test-time flips.
 */
class EvaluatorAgreementTest {
    /** 120 random images whose class leans to blue over red, with noise, so the AUC is neither 0.5 nor 1. */
    private static List<Row> images() {
        Random random = new Random(11);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            byte[] image = new byte[3072];
            int red = random.nextInt(256);
            int blue = random.nextInt(256);
            for (int p = 0; p < 1024; p++) {
                image[p] = (byte) Math.max(0, Math.min(255, red + random.nextInt(61) - 30));
                image[1024 + p] = (byte) random.nextInt(256);
                image[2048 + p] = (byte) Math.max(0, Math.min(255, blue + random.nextInt(61) - 30));
            }
            int target = blue - red + random.nextGaussian() * 60 > 0 ? 1 : 0;
            rows.add(RowFactory.create(image, target));
        }
        return rows;
    }

    @ParameterizedTest
    @EnumSource(TestTimeAugmentation.class)
    void sameAucAndAccuracyAsTheJobsEvaluator(TestTimeAugmentation tta) {
        List<Row> rows = images();
        EvalResult job = Evaluator.evaluate(ColourNetwork.graph(), List.of(Minibatches.fromRows(rows,
                Normalization.HALF)), List.of("red", "blue"), tta);

        Dataset<Row> frame = TestSpark.get().createDataFrame(rows, new StructType()
                .add("image", DataTypes.BinaryType).add(ClassPair.TARGET, DataTypes.IntegerType))
                .withColumn("label", col(ClassPair.TARGET).cast(DataTypes.DoubleType));
        Dataset<Row> scored = new ResNetClassificationModel(ColourNetwork.zip(), List.of("red", "blue"))
                .setTta(tta.label()).setBatchSize(50).transform(frame.repartition(3));
        double auc = new BinaryClassificationEvaluator().setMetricName("areaUnderROC").evaluate(scored);
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(scored);

        double jobAuc = job.rocAuc();
        assertTrue(jobAuc > 0.6 && jobAuc < 0.99, "a test that can tell: AUC " + jobAuc);
        assertEquals(jobAuc, auc, 1e-9);
        assertEquals(job.accuracy(), accuracy, 1e-12);
    }
}
