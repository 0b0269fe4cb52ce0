/**
 * CIFAR-10 from files to minibatches: the binary layout and its checks, where the data is
 * ({@code CifarSource}: directory, parent or archive; the opt-in download), the reader (one DataFrame
 * row per image), the class pair and its relabelling, normalization, augmentation, and the DL4J
 * {@code DataSet} minibatches the workers fit; {@code --data}, the option every command that reads
 * CIFAR-10 shares ({@code DataOptions}).
 *
 * <p>Imports: nothing of the project but the root package (Spark, Hadoop, ND4J only).
 */
package io.github.sparkresnet.data;
