/**
 * spark-resnet: a Spark job that trains a DL4J ResNet34 on two CIFAR-10 classes by synchronous
 * parameter averaging, scores every epoch on the driver and writes the metrics to Parquet.
 *
 * <p>Packages follow the data: {@code data} (CIFAR-10 files to DataFrame to class pair to
 * minibatches), {@code model} (the ResNet34 and its fast paths), {@code spark} (session, ND4J set-up,
 * serializers), {@code eval} (evaluation, the metrics table, scoring, reports), {@code averaging} (the
 * rounds, their blocks and their recovery), {@code train} (the epoch loop, checkpoints, the run lease),
 * {@code cli} (the entry points) and {@code ml} (the Spark ML model). Imports point down: {@code cli}
 * and {@code ml} to {@code train} to {@code averaging} to {@code eval}/{@code spark}/{@code data} to
 * {@code model}; this
 * package holds what every layer may use: the failures the command line reports in one line
 * ({@link io.github.sparkresnet.BadInputException}, {@link io.github.sparkresnet.OutputStoreException},
 * {@link io.github.sparkresnet.OutOfMemory}), {@link io.github.sparkresnet.Redaction} and the options'
 * by-name converter ({@link io.github.sparkresnet.ByNameConverter}).
 */
package io.github.sparkresnet;
