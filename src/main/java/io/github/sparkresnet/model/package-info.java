/**
 * The network: torchvision's ResNet34 as a DL4J {@code ComputationGraph} ({@code ResNet34},
 * {@code ResNetConfig}), the network state the averaging moves ({@code NetworkState}), saved networks read back with the fast paths on ({@code SavedNetworks}), and in
 * {@code helpers} its fast paths.
 *
 * <p>Imports: DL4J and ND4J; nothing of the project outside {@code model}.
 */
package io.github.sparkresnet.model;
