package io.github.sparkresnet.bench;

import io.github.sparkresnet.model.RandomMinibatches;
import io.github.sparkresnet.model.ResNet34;
import io.github.sparkresnet.model.ResNetConfig;
import io.github.sparkresnet.model.helpers.OneDnnHelpers;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * ResNet34 training and inference images/s in one process, batch 64 of 32x32, as the PyTorch
 * reference's {@code bench} mode measures it: 3 warm-up steps, then 20 timed steps.
 *
 * <p>Arguments (all optional): {@code stem=IMAGENET|CIFAR format=NCHW|NHWC workspaces=ENABLED|NONE cache=NONE|HOST|DEVICE
 * steps=20 batch=64 replicas=N threads=T}. {@code replicas=N} runs N networks in N threads at once
 * (T OpenMP threads each, 0 = ND4J's default), as N Spark tasks in one executor do; averaging is
 * not included. Helpers are on unless {@code -Dsparkresnet.helpers.off=true}.
 */
public final class TrainThroughputBench {
    public static void main(String[] args) {
        ResNetConfig defaults = ResNetConfig.cifarPair(); // the knobs start at the project's defaults
        CNN2DFormat format = defaults.dataFormat();
        WorkspaceMode ws = defaults.workspaceMode();
        CacheMode cache = defaults.cacheMode();
        int steps = 20;
        int batch = 64;
        boolean bnHelpers = true;
        String builtInConv = "";
        int replicas = 1;
        int threadsPerReplica = 0;
        ResNetConfig.Stem stem = defaults.stem();
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "format" -> format = CNN2DFormat.valueOf(kv[1]);
                case "workspaces" -> ws = WorkspaceMode.valueOf(kv[1]);
                case "cache" -> cache = CacheMode.valueOf(kv[1]);
                case "steps" -> steps = Integer.parseInt(kv[1]);
                case "batch" -> batch = Integer.parseInt(kv[1]);
                case "bnhelpers" -> bnHelpers = Boolean.parseBoolean(kv[1]);
                case "builtinconv" -> builtInConv = kv[1];
                case "replicas" -> replicas = Integer.parseInt(kv[1]);
                case "threads" -> threadsPerReplica = Integer.parseInt(kv[1]);
                case "stem" -> stem = ResNetConfig.Stem.valueOf(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        String helpers = OneDnnHelpers.enable();
        ResNetConfig network = defaults.withStem(stem);
        if (replicas > 1) {
            replicated(network, replicas, threadsPerReplica, steps, batch, helpers);
            return;
        }
        ComputationGraph net = ResNet34.build(network.withExecution(format, ws, cache));
        if (!bnHelpers) {
            stripHelpers(net, org.deeplearning4j.nn.layers.normalization.BatchNormalization.class, "");
        }
        for (String prefix : builtInConv.isEmpty() ? new String[0] : builtInConv.split(",")) {
            stripHelpers(net, org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class, prefix);
        }
        DataSet ds = RandomMinibatches.of(batch, 0);
        if (format == CNN2DFormat.NHWC) {
            ds.setFeatures(ds.getFeatures().permute(0, 2, 3, 1).dup());
        }
        for (int i = 0; i < 3; i++) {
            net.fit(ds);
        }
        OneDnnHelpers.tune(net); // the updater exists once the network has fitted: as the job's workers do
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            net.fit(ds);
        }
        double train = steps * batch / ((System.nanoTime() - t0) / 1e9);
        for (int i = 0; i < 3; i++) {
            net.outputSingle(false, ds.getFeatures());
        }
        t0 = System.nanoTime();
        List<INDArray> keep = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            keep.add(net.outputSingle(false, ds.getFeatures()).getRow(0).dup());
        }
        double infer = steps * batch / ((System.nanoTime() - t0) / 1e9);
        System.out.printf("config stem=%s format=%s workspaces=%s cache=%s batch=%d bnhelpers=%s builtinconv=%s omp=%s | %s%n",
                stem.name(), format, ws, cache, batch, bnHelpers, builtInConv,
                System.getenv("OMP_NUM_THREADS"), helpers);
        System.out.printf("train_img_per_s=%.1f infer_img_per_s=%.1f%n", train, infer);
        System.exit(keep.size() == steps ? 0 : 1);
    }

    /**
     * N replicas of the network, each fitting in its own thread with its own OpenMP thread count, as
     * Spark's concurrent tasks in one executor do (no averaging: this measures the compute side only).
     */
    private static void replicated(ResNetConfig config, int replicas, int threads, int steps, int batch, String helpers) {
        DataSet batchData = RandomMinibatches.of(batch, 0);
        INDArray x = batchData.getFeatures();
        INDArray y = batchData.getLabels();
        // phases: warm-up | timed training | timed inference, separated by barriers
        java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(replicas + 1);
        for (int r = 0; r < replicas; r++) {
            Thread t = new Thread(() -> {
                try {
                    if (threads > 0) {
                        org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
                    }
                    ComputationGraph net = ResNet34.build(config);
                    DataSet ds = new DataSet(x.dup(), y.dup());
                    for (int i = 0; i < 3; i++) {
                        net.fit(ds);
                        net.outputSingle(false, ds.getFeatures());
                    }
                    OneDnnHelpers.tune(net);
                    barrier.await();
                    for (int i = 0; i < steps; i++) {
                        net.fit(ds);
                    }
                    barrier.await();
                    barrier.await();
                    for (int i = 0; i < steps; i++) {
                        net.outputSingle(false, ds.getFeatures()).getDouble(0);
                    }
                    barrier.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            t.setDaemon(true);
            t.start();
        }
        try {
            barrier.await();
            long t0 = System.nanoTime();
            barrier.await();
            double train = replicas * steps * batch / ((System.nanoTime() - t0) / 1e9);
            barrier.await();
            t0 = System.nanoTime();
            barrier.await();
            double infer = replicas * steps * batch / ((System.nanoTime() - t0) / 1e9);
            System.out.printf("config stem=%s replicas=%d threads=%d batch=%d omp=%s | %s%n", config.stem().name(),
                    replicas, threads, batch,
                    System.getenv("OMP_NUM_THREADS"), helpers);
            System.out.printf("train_img_per_s=%.1f infer_img_per_s=%.1f%n", train, infer);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        System.exit(0);
    }

    /** Experiment only: drops the oneDNN helper of the layers of a type whose names start with a prefix. */
    private static void stripHelpers(ComputationGraph net, Class<?> type, String prefix) {
        for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
            if (type.isInstance(l) && l.conf().getLayer().getLayerName().startsWith(prefix)) {
                try {
                    java.lang.reflect.Field f = type.getDeclaredField("helper");
                    f.setAccessible(true);
                    f.set(l, null);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }
}
