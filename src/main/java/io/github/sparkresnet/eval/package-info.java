/**
 * What a network is worth: the driver-side evaluator (DL4J {@code Evaluation}, the ROC AUC with ties
 * counted half, {@code RankAuc}, with test-time flips), the per-epoch metrics row and its Parquet
 * table (written atomically per epoch), scoring on the executors ({@code Predictor}), the charts of
 * {@code report}, and the scoring options train and evaluate share ({@code EvaluationOptions}).
 *
 * <p>Imports: {@code data}, {@code model}; never {@code train} or {@code cli}.
 */
package io.github.sparkresnet.eval;
