import java.util.Arrays;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Probe: is a convolution helper on oneDNN's own Java presets (org.bytedeco:dnnl 2.5.2, primitives made
 * once per layer and reused, convolution_direct) faster per training pass than what DL4J's oneDNN helper
 * runs today (libnd4j's conv2d / conv2d_bp ops on oneDNN 2.3, primitives made on every call,
 * convolution_auto)? Both take and give NCHW activations and OIHW weights, as DL4J's layers hold them,
 * so the presets path pays the same layout reorders a real helper would; the weights are reordered on
 * every pass, as a training step changes them.
 *
 * <p>Run with bench/dnnl-conv-probe.sh. Prints per shape: ms per forward + backward (data and weights)
 * of a 64-image minibatch for each path, and the largest difference between their outputs and gradients.
 */
public final class DnnlConvProbe {
    record Shape(String name, int cIn, int cOut, int size, int kernel, int stride, int pad) {
        int outSize() { return (size + 2 * pad - kernel) / stride + 1; }
    }

    static final Shape[] SHAPES = {
        new Shape("stem 3->64 7x7/2 32x32", 3, 64, 32, 7, 2, 3),
        new Shape("stage1 64->64 3x3 8x8", 64, 64, 8, 3, 1, 1),
        new Shape("stage2 64->128 3x3/2 8x8", 64, 128, 8, 3, 2, 1),
        new Shape("stage2 128->128 3x3 4x4", 128, 128, 4, 3, 1, 1),
    };

    public static void main(String[] args) {
        int batch = 64;
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        engine eng = new engine(engine.kind.cpu, 0);
        stream s = new stream(eng);
        System.out.printf("%-28s %12s %12s %8s %10s%n", "shape", "libnd4j ms", "presets ms", "ratio", "max diff");
        for (Shape sh : SHAPES) {
            Nd4j.getRandom().setSeed(1);
            INDArray x = Nd4j.randn(DataType.FLOAT, batch, sh.cIn, sh.size, sh.size);
            INDArray w = Nd4j.randn(DataType.FLOAT, sh.cOut, sh.cIn, sh.kernel, sh.kernel).muli(0.05);
            INDArray dy = Nd4j.randn(DataType.FLOAT, batch, sh.cOut, sh.outSize(), sh.outSize());

            Libnd4jPath a = new Libnd4jPath(sh, x, w, dy);
            PresetsPath b = new PresetsPath(sh, x, w, dy, eng, s);
            for (int i = 0; i < 5; i++) { a.pass(); b.pass(); }
            double ta = 0, tb = 0;
            for (int r = 0; r < 3; r++) {          // alternate the two paths in blocks
                ta += time(a::pass, reps);
                tb += time(b::pass, reps);
            }
            ta /= 3; tb /= 3;
            double diff = Math.max(maxDiff(a.y, b.y), Math.max(maxDiff(a.dx, b.dx), maxDiff(a.dw, b.dw)));
            System.out.printf("%-28s %12.3f %12.3f %7.2fx %10.2e%n", sh.name, ta, tb, ta / tb, diff);
        }
    }

    static double time(Runnable pass, int reps) {
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) pass.run();
        return (System.nanoTime() - t0) / 1e6 / reps;
    }

    static double maxDiff(INDArray p, INDArray q) {
        return p.sub(q).amaxNumber().doubleValue() / Math.max(1e-12, p.amaxNumber().doubleValue());
    }

    /** What DL4J's oneDNN convolution helper executes: libnd4j's conv2d and conv2d_bp ops. */
    static final class Libnd4jPath {
        final Shape sh; final INDArray x, w, dy, y, dx, dw;
        Libnd4jPath(Shape sh, INDArray x, INDArray w, INDArray dy) {
            this.sh = sh; this.x = x; this.w = w; this.dy = dy;
            y = Nd4j.create(DataType.FLOAT, dy.shape());
            dx = Nd4j.create(DataType.FLOAT, x.shape());
            dw = Nd4j.create(DataType.FLOAT, w.shape());
        }
        int[] iArgs() {   // kH, kW, sH, sW, pH, pW, dH, dW, same-mode, NCHW, weights [oC, iC, kH, kW]
            return new int[] {sh.kernel, sh.kernel, sh.stride, sh.stride, sh.pad, sh.pad, 1, 1, 0, 0, 1};
        }
        void pass() {
            Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(x, w).addOutputs(y).addIntegerArguments(iArgs()).build());
            Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(x, w, dy).addOutputs(dx, dw).addIntegerArguments(iArgs()).build());
        }
    }

    /** The same three passes on the presets: primitives made once, user memory wrapping ND4J's buffers. */
    static final class PresetsPath {
        final INDArray x, w, dy, y, dx, dw;
        final stream s;
        final memory xUser, wUser, dyUser, yUser, dxUser, dwUser;
        final Step[] steps;

        PresetsPath(Shape sh, INDArray x, INDArray w, INDArray dy, engine eng, stream s) {
            this.x = x; this.w = w; this.dy = dy; this.s = s;
            y = Nd4j.create(DataType.FLOAT, dy.shape());
            dx = Nd4j.create(DataType.FLOAT, x.shape());
            dw = Nd4j.create(DataType.FLOAT, w.shape());
            // ACTIVATIONS=nhwc: the user's activations as if the whole network held them channels-last
            // (no layout reorder of activations at all): the bound on what NHWC end to end could buy.
            memory.format_tag act = "nhwc".equals(System.getenv("ACTIVATIONS")) ? memory.format_tag.nhwc : memory.format_tag.nchw;
            memory.desc xMd = md(x.shape(), act);
            memory.desc wMd = md(w.shape(), memory.format_tag.oihw);
            memory.desc yMd = md(dy.shape(), act);
            xUser = user(xMd, eng, x); wUser = user(wMd, eng, w); dyUser = user(yMd, eng, dy);
            yUser = user(yMd, eng, y); dxUser = user(xMd, eng, dx); dwUser = user(wMd, eng, dw);

            memory.desc xAny = md(x.shape(), memory.format_tag.any);
            memory.desc wAny = md(w.shape(), memory.format_tag.any);
            memory.desc yAny = md(dy.shape(), memory.format_tag.any);
            long[] strides = {sh.stride, sh.stride};
            long[] pads = {sh.pad, sh.pad};
            convolution_forward.primitive_desc fwd = new convolution_forward.primitive_desc(
                    new convolution_forward.desc(dnnl.prop_kind.forward_training, dnnl.algorithm.convolution_direct,
                            xAny, wAny, new memory.desc(), yAny, strides, pads, pads), eng);
            convolution_backward_data.primitive_desc bwdData = new convolution_backward_data.primitive_desc(
                    new convolution_backward_data.desc(dnnl.algorithm.convolution_direct, xAny, wAny, yAny,
                            strides, pads, pads), eng, fwd);
            convolution_backward_weights.primitive_desc bwdWeights = new convolution_backward_weights.primitive_desc(
                    new convolution_backward_weights.desc(dnnl.algorithm.convolution_direct, xAny, wAny,
                            new memory.desc(), yAny, strides, pads, pads), eng, fwd);

            Staged xF = new Staged(xUser, fwd.src_desc(), eng), wF = new Staged(wUser, fwd.weights_desc(), eng);
            Staged yF = new Staged(yUser, fwd.dst_desc(), eng);
            Staged dyD = new Staged(dyUser, bwdData.diff_dst_desc(), eng), wD = new Staged(wUser, bwdData.weights_desc(), eng);
            Staged dxD = new Staged(dxUser, bwdData.diff_src_desc(), eng);
            Staged xW = new Staged(xUser, bwdWeights.src_desc(), eng), dyW = new Staged(dyUser, bwdWeights.diff_dst_desc(), eng);
            Staged dwW = new Staged(dwUser, bwdWeights.diff_weights_desc(), eng);
            steps = new Step[] {
                new Step(new convolution_forward(fwd), args(dnnl.DNNL_ARG_SRC, xF.inner, dnnl.DNNL_ARG_WEIGHTS, wF.inner,
                        dnnl.DNNL_ARG_DST, yF.inner), new Staged[] {xF, wF}, yF),
                new Step(new convolution_backward_data(bwdData), args(dnnl.DNNL_ARG_DIFF_DST, dyD.inner,
                        dnnl.DNNL_ARG_WEIGHTS, wD.inner, dnnl.DNNL_ARG_DIFF_SRC, dxD.inner), new Staged[] {dyD, wD}, dxD),
                new Step(new convolution_backward_weights(bwdWeights), args(dnnl.DNNL_ARG_SRC, xW.inner,
                        dnnl.DNNL_ARG_DIFF_DST, dyW.inner, dnnl.DNNL_ARG_DIFF_WEIGHTS, dwW.inner), new Staged[] {xW, dyW}, dwW),
            };
        }

        void pass() {
            for (Step step : steps) step.run(s);
            s._wait();
        }

        static memory.desc md(long[] shape, memory.format_tag tag) {
            return new memory.desc(shape, memory.data_type.f32, tag);
        }

        static memory user(memory.desc md, engine eng, INDArray a) {
            Pointer p = a.data().addressPointer();
            return new memory(md, eng, new FloatPointer(p));
        }

        static IntMemoryMap args(Object... kv) {
            IntMemoryMap m = new IntMemoryMap();
            for (int i = 0; i < kv.length; i += 2) m.put((Integer) kv[i], (memory) kv[i + 1]);
            return m;
        }
    }

    /** User memory and the layout the primitive wants; a reorder between them when they differ. */
    static final class Staged {
        final memory user, inner;
        final reorder toInner, toUser;
        Staged(memory user, memory.desc wanted, engine eng) {
            this.user = user;
            if (user.get_desc().equals(wanted)) {
                inner = user; toInner = null; toUser = null;
            } else {
                inner = new memory(wanted, eng);
                toInner = new reorder(user, inner);
                toUser = new reorder(inner, user);
            }
        }
    }

    record Step(primitive prim, IntMemoryMap args, Staged[] inputs, Staged output) {
        void run(stream s) {
            for (Staged in : inputs) if (in.toInner != null) in.toInner.execute(s, in.user, in.inner);
            prim.execute(s, args);
            if (output.toUser != null) output.toUser.execute(s, output.inner, output.user);
        }
    }
}
