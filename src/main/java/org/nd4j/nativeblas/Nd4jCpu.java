package org.nd4j.nativeblas;

import java.lang.reflect.Method;

/**
 * WORKAROUND for DL4J 1.0.0-M2.1 (delete on upgrade; see io.github.sparkresnet.model.helpers.OneDnnHelpers).
 *
 * <p>DL4J's {@code BaseMKLDNNHelper.mklDnnEnabled()} decides whether to use the oneDNN layer helpers
 * by reflection on {@code org.nd4j.nativeblas.Nd4jCpu$Environment#getInstance().isUseMKLDNN()}. In
 * M2.1 that class moved to {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and the
 * method became {@code isUseONEDNN()}, so the lookup always fails and every convolution takes DL4J's
 * slow im2col path. This class answers the old lookup with the new method's value. It is only ever
 * reached by that reflective call; nothing in the project calls it.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    /** The old name of ND4J's native environment, forwarding to the new one. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();
        private static final String MOVED_TO = "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment";

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        /** Whether libnd4j was built with oneDNN and has it switched on. */
        public boolean isUseMKLDNN() {
            try {
                Class<?> env = Class.forName(MOVED_TO);
                Object instance = env.getMethod("getInstance").invoke(null);
                Method isUse = env.getMethod("isUseONEDNN");
                return (Boolean) isUse.invoke(instance);
            } catch (ReflectiveOperationException e) {
                return false; // not the CPU backend, or a build without oneDNN
            }
        }
    }
}
