/**
 * The job as a citizen of Spark ML, beside {@code cli} as the other way in: the training job as an
 * {@code Estimator} ({@code ResNetClassifier}: {@code fit} runs the same {@code TrainingJob} on a
 * DataFrame of labelled images, {@code LabelledImages}; every train option a Param,
 * {@code TrainParams}), and a trained network as a {@code Model} that scores a DataFrame of images
 * with {@code transform} (Spark's image struct or CIFAR-10's bytes in, {@code rawPrediction},
 * {@code probability} and {@code prediction} out, under the standard Params); both saved and loaded
 * with Spark's {@code MLWritable}/{@code MLReadable}, alone or inside a {@code Pipeline}.
 *
 * <p>Imports: the layers below ({@code train}, {@code eval}, {@code spark}, {@code data},
 * {@code model}), like {@code cli}; nothing imports this one.
 */
package io.github.sparkresnet.ml;
