/**
 * The network's fast paths: DL4J layer helpers the project installs per layer, Adam's update in Java
 * on its updater, and the switch that turns DL4J's own (oneDNN) helpers on.
 *
 * <p>DL4J 1.0.0-M2.1's layers take their math from helper objects ({@code ConvolutionHelper},
 * {@code BatchNormalizationHelper}); {@link io.github.sparkresnet.model.helpers.OneDnnHelpers#tune}
 * replaces them where the project computes faster: {@code SmallInputConvHelper} (convolutions on 2x2
 * and 1x1 inputs as dense products, {@code SmallInputConvGemm}) and {@code NchwBatchNormHelper} (batch
 * norm in training as channel loops). Each is compared with DL4J's built-in path on every layer shape
 * of ResNet34 in this package's tests. {@code JavaAdamUpdater} replaces the Adam of each of the
 * updater's blocks and computes the native op's floats bit for bit. The saved model stays a plain DL4J
 * model: helpers and updaters are not part of its configuration. Delete this package when a DL4J
 * release computes these as fast.
 *
 * <p>Imports: DL4J and ND4J only; nothing else of the project.
 */
package io.github.sparkresnet.model.helpers;
