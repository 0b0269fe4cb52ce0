package io.github.sparkresnet.model.helpers;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns DL4J's layer helpers (oneDNN on CPU, cuDNN on GPU) on, in this JVM.
 *
 * <p>WORKAROUND for DL4J 1.0.0-M2.1, in two parts; delete this class and
 * {@code org.nd4j.nativeblas.Nd4jCpu} when an upgrade fixes both:
 * <ol>
 *   <li>M2.1 creates no layer helper unless the system property
 *       {@value #DISABLE_PROPERTY} is {@code false}; it defaults to {@code true}.</li>
 *   <li>Even then, its oneDNN check looks up a class that moved in M2.1 and always fails;
 *       {@code org.nd4j.nativeblas.Nd4jCpu} answers that lookup.</li>
 * </ol>
 * Helpers are created when a layer is instantiated, so {@link #enable()} must run before any network
 * is built: the driver calls it at start-up and {@code spark.Nd4jSparkPlugin} on every executor.
 * Measured effect on ResNet34 training, 2 cores: 11-14 img/s stock, about 36 img/s with helpers.
 */
public final class OneDnnHelpers {
    public static final String DISABLE_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";
    /** Set to {@code true} to keep DL4J's own (slow) code paths, e.g. to compare results. */
    public static final String OPT_OUT_PROPERTY = "sparkresnet.helpers.off";
    private static final Logger LOG = LoggerFactory.getLogger(OneDnnHelpers.class);
    private static volatile String status;

    private OneDnnHelpers() {
    }

    /** Enables the helpers (once per JVM) and returns a one-line status for the start-up log. */
    public static synchronized String enable() {
        if (status != null) {
            return status;
        }
        String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend", "?");
        if (Boolean.getBoolean(OPT_OUT_PROPERTY)) {
            System.setProperty(DISABLE_PROPERTY, "true");
            status = "layer helpers OFF (" + OPT_OUT_PROPERTY + "=true): DL4J built-in code paths, backend " + backend;
        } else {
            System.setProperty(DISABLE_PROPERTY, "false");
            Nd4j.getEnvironment().allowHelpers(true);
            if ("CPU".equalsIgnoreCase(backend)) {
                status = BaseMKLDNNHelper.mklDnnEnabled()
                        ? "oneDNN layer helpers ON (backend CPU)"
                        : "oneDNN layer helpers UNAVAILABLE: this nd4j-native build has no oneDNN; "
                        + "convolutions use DL4J's slower built-in path";
            } else {
                status = "layer helpers ON (backend " + backend + ", cuDNN where present)";
            }
        }
        if (status.contains("UNAVAILABLE")) {
            LOG.warn(status);
        } else {
            LOG.info(status);
        }
        return status;
    }

    /**
     * Input area (pixels) up to which convolutions compute as dense matrix products where every
     * output pixel sees every input pixel (stages 3 and 4 on 32x32 images); see
     * {@link SmallInputConvGemm}. 0 turns it off. Measured in BENCHMARKS.md.
     */
    public static final long GEMM_MAX_PIXELS = Long.getLong("sparkresnet.gemmMaxPixels", 4);

    /**
     * Whether batch-norm layers on NCHW activations compute in {@link NchwBatchNormHelper}'s loops
     * instead of DL4J's oneDNN helper ({@code -Dsparkresnet.nchwBatchNorm=false} for comparisons).
     * Measured in BENCHMARKS.md.
     */
    public static final boolean NCHW_BATCH_NORM =
            Boolean.parseBoolean(System.getProperty("sparkresnet.nchwBatchNorm", "true"));

    /**
     * Gives every oneDNN convolution helper of {@code net} the small-input backprop paths, every
     * batch-norm helper the NCHW loops ({@link #NCHW_BATCH_NORM}), and its updater, once it has one,
     * Adam in Java ({@link JavaAdamUpdater}). Idempotent; returns how many layers and updater blocks it
     * changed. Call after {@code init()}, on each JVM's copy, and before fitting (a network creates its
     * updater on its first fit or when its state is first read).
     */
    public static int tune(ComputationGraph net) {
        int changed = 0;
        for (org.deeplearning4j.nn.api.Layer layer : net.getLayers()) {
            if (layer instanceof ConvolutionLayer conv && conv.getHelper() instanceof ConvolutionHelper helper
                    && !(helper instanceof SmallInputConvHelper)) {
                setHelper(ConvolutionLayer.class, conv,
                        new SmallInputConvHelper(helper, GEMM_MAX_PIXELS));
                changed++;
            } else if (NCHW_BATCH_NORM && layer instanceof BatchNormalization bn
                    && bn.getHelper() instanceof BatchNormalizationHelper helper
                    && !(helper instanceof NchwBatchNormHelper)) {
                setHelper(BatchNormalization.class, bn, new NchwBatchNormHelper(helper));
                changed++;
            }
        }
        return changed + JavaAdamUpdater.install(net);
    }

    private static <L> void setHelper(Class<L> layerClass, L layer, Object helper) {
        try {
            Field f = layerClass.getDeclaredField("helper");
            f.setAccessible(true);
            f.set(layer, helper);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("DL4J's " + layerClass.getSimpleName() + " has no 'helper' field any "
                    + "more: remove OneDnnHelpers.tune on this DL4J version", e);
        }
    }

    /** True when this JVM will give new layers oneDNN helpers. */
    public static boolean active() {
        return "false".equals(System.getProperty(DISABLE_PROPERTY)) && BaseMKLDNNHelper.mklDnnEnabled();
    }
}
