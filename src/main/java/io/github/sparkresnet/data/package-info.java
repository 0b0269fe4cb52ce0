/**
 * Labelled images from files to minibatches: where they come from ({@code ImageSource}: CIFAR-10's
 * binary files, {@code CifarSource}, with the layout's checks and the opt-in download; or a folder of
 * one sub-folder per class, {@code ImageFolder}), the reader (one DataFrame row per image, the same
 * columns for both), the class pair and its relabelling, normalization, augmentation, and the DL4J
 * {@code DataSet} minibatches the workers fit; {@code --data} and {@code --images}, the options every
 * command that reads images shares ({@code DataOptions}); and any other image (a file, or Spark's
 * image source: any size, gray, BGR or BGRA) as CIFAR-10's 32×32 RGB bytes ({@code ImagePixels},
 * {@code ImageColumn}).
 *
 * <p>Imports: nothing of the project but the root package (Spark, Hadoop, ND4J only).
 */
package io.github.sparkresnet.data;
