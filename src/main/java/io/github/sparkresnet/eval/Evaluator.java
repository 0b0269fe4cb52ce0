package io.github.sparkresnet.eval;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Scores a network on the driver, on minibatches already held there.
 *
 * <p>Why on the driver: the held-out split of a class pair is 2,000 images (24 MB as float tensors),
 * collected once per run; scoring them on the driver takes a few seconds and needs no broadcast of
 * the 85 MB of parameters to the executors after every epoch. A test split too large for the driver
 * would be scored with {@code SparkComputationGraph.doEvaluation} instead; CIFAR-10's is at most
 * 10,000 images.
 */
public final class Evaluator {
    private Evaluator() {
    }

    /** Scores {@code net} on {@code batches}, each image's probabilities as {@code tta} computes them. */
    public static EvalResult evaluate(ComputationGraph net, List<DataSet> batches, List<String> classNames,
                                      TestTimeAugmentation tta) {
        long start = System.nanoTime();
        Evaluation evaluation = new Evaluation(classNames);
        RankAuc auc = new RankAuc();
        double lossSum = 0;
        long n = 0;
        for (DataSet batch : batches) {
            INDArray probabilities = tta.probabilities(net, batch.getFeatures());
            INDArray labels = batch.getLabels();
            evaluation.eval(labels, probabilities);
            if (classNames.size() == 2) {
                auc.add(labels, probabilities);
            }
            // cross-entropy of the true class, as the training loss (MCXENT) computes it
            INDArray pTrue = probabilities.mul(labels).sum(1);
            lossSum -= Transforms.log(Transforms.max(pTrue, 1e-12, false), false).sumNumber().doubleValue();
            n += batch.numExamples();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new EvalResult(evaluation, classNames.size() == 2 ? auc.value() : Double.NaN,
                n == 0 ? Double.NaN : lossSum / n, n, seconds, classNames, tta);
    }
}
