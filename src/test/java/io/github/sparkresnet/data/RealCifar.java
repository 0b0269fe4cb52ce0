package io.github.sparkresnet.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The full CIFAR-10 for integration tests: {@code -Dcifar.dir} (default {@code target/cifar10}),
 * written there by {@code ../shared/data/prepare-cifar10} on first use. Never skipped: if the data
 * cannot be prepared, the test fails and says why.
 */
public final class RealCifar {
    private RealCifar() {
    }

    public static synchronized Path dir() throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("cifar.dir", "target/cifar10")).toAbsolutePath();
        Path batches = root.resolve(CifarLayout.DIRECTORY);
        if (Files.exists(batches.resolve("test_batch.bin")) && Files.exists(batches.resolve("data_batch_5.bin"))) {
            return batches;
        }
        Path base = Path.of(System.getProperty("project.basedir", ".")).toAbsolutePath();
        Path script = Path.of(System.getProperty("cifar.prepare",
                base.resolve("../shared/data/prepare-cifar10").normalize().toString()));
        if (!Files.isExecutable(script)) {
            throw new IllegalStateException("CIFAR-10 is not at " + batches + " and the preparation script " + script
                    + " is missing; run ../shared/data/prepare-cifar10 " + root + " or pass -Dcifar.dir=DIR");
        }
        Process p = new ProcessBuilder(script.toString(), root.toString()).inheritIO().start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(script + " " + root + " failed");
        }
        return batches;
    }
}
