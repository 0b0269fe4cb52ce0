/**
 * CIFAR-10 from files to minibatches: the binary layout and its checks, where the data is
 * ({@code CifarSource}: directory, parent or archive; the opt-in download), the reader (one DataFrame
 * row per image), the class pair and its relabelling, normalization, augmentation, and the DL4J
 * {@code DataSet} minibatches the workers fit; {@code --data}, the option every command that reads
 * CIFAR-10 shares ({@code DataOptions}); and any other image (Spark's image source: any size, gray,
 * BGR or BGRA) as CIFAR-10's 32×32 RGB bytes ({@code ImagePixels}, {@code ImageColumn}).
 *
 * <p>Imports: nothing of the project but the root package (Spark, Hadoop, ND4J only).
 */
package io.github.sparkresnet.data;
