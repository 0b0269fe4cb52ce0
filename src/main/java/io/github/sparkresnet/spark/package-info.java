/**
 * Spark set-up shared by every entry point: the session with the settings the job needs (and, on a
 * cluster, a first executor, or one line saying why none came), the plugin
 * that sets ND4J up in the driver and every executor, the Kryo registrator and bulk INDArray
 * serializer, byte blocks in the block manager, memory probes, what an executor knows of its own
 * decommissioning, what an executor that starts while a run trains prepares before its first task
 * ({@code JoiningExecutors}: the training packages name the preparation, the plugin runs it), and the
 * copies of cached blocks an executor's loss took, made again when one arrives ({@code CopyRestorer}).
 *
 * <p>Imports: {@code model} (to switch its fast paths on in each JVM); never {@code train} or
 * {@code cli}.
 */
package io.github.sparkresnet.spark;
