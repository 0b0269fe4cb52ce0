package io.github.sparkresnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.github.sparkresnet.data.ImageFolders;
import io.github.sparkresnet.data.SyntheticCifar;
import io.github.sparkresnet.model.ResNet34;
import io.github.sparkresnet.model.ResNetConfig;
import io.github.sparkresnet.spark.TestSpark;
import io.github.sparkresnet.train.Checkpoints;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The catalogue of bad input in docs/reliability.md, each case through the real command line: one {@code error:}
 * line naming the file or option with what was expected and found, exit code 2, no stack trace, and
 * everything already in {@code --output} (another run's metrics and checkpoints) left exactly as it was.
 */
class BadInputCatalogueTest {
    @TempDir
    Path tmp;

    private static final List<HttpServer> servers = new ArrayList<>();

    @BeforeAll
    static void shareTheTestSession() {
        TestSpark.get();
    }

    @AfterAll
    static void stopServers() {
        servers.forEach(s -> s.stop(0));
    }

    /** Prepares {@code data} (a valid synthetic CIFAR-10 directory) and {@code out}, returns the arguments. */
    interface Setup {
        List<String> apply(Path data, Path out) throws Exception;
    }

    record Case(String name, Setup setup, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> catalogue() {
        return Stream.of(
                new Case("truncated batch file", (data, out) -> {
                    Path f = batches(data).resolve("data_batch_2.bin");
                    byte[] b = Files.readAllBytes(f);
                    Files.write(f, java.util.Arrays.copyOf(b, b.length - 1000)); // an interrupted copy
                    return dryRun(data, out);
                }, List.of("data_batch_2.bin: size 60460 bytes is not a multiple of the record size 3073",
                        "the file is truncated")),
                new Case("size not a multiple of 3073", (data, out) -> {
                    Files.write(batches(data).resolve("test_batch.bin"), new byte[] {'\n'},
                            java.nio.file.StandardOpenOption.APPEND);
                    return dryRun(data, out);
                }, List.of("test_batch.bin: size 61461 bytes is not a multiple of the record size 3073",
                        "1 bytes left over")),
                new Case("label byte > 9", (data, out) -> {
                    Path f = batches(data).resolve("data_batch_4.bin");
                    byte[] b = Files.readAllBytes(f);
                    b[3 * 3073] = 17;
                    Files.write(f, b);
                    return dryRun(data, out);
                }, List.of("data_batch_4.bin: record 3 (byte offset 9219) has label byte 17; expected 0-9")),
                new Case("missing test_batch.bin", (data, out) -> {
                    Files.delete(batches(data).resolve("test_batch.bin"));
                    return dryRun(data, out);
                }, List.of("missing test batch files: test_batch.bin")),
                new Case("empty data directory", (data, out) -> {
                    Path empty = Files.createDirectories(data.resolveSibling("empty"));
                    return List.of("train", "--data", empty.toString(), "--output", out.toString(), "--dry-run");
                }, List.of("empty: directory is empty; expected the CIFAR-10 batch files")),
                new Case("corrupt archive", (data, out) -> {
                    Path archive = data.resolveSibling("cifar-10-binary.tar.gz");
                    Files.write(archive, SyntheticCifar.noise(5000, 1));
                    return List.of("train", "--data", archive.toString(), "--output", out.toString(), "--dry-run");
                }, List.of("cifar-10-binary.tar.gz: not a readable .tar.gz archive")),
                new Case("unknown class name", (data, out) -> args(data, out, "--dry-run", "--classes", "airplane,zebra"),
                        List.of("--classes airplane,zebra: unknown class 'zebra'; valid classes: airplane, automobile")),
                new Case("the same class twice", (data, out) -> args(data, out, "--dry-run", "--classes", "bird,2"),
                        List.of("--classes bird,2: the same class (bird) is named twice")),
                new Case("--epochs 0", (data, out) -> args(data, out, "--epochs", "0"),
                        List.of("--epochs 0: expected a whole number of at least 1")),
                new Case("negative learning rate", (data, out) -> args(data, out, "--learning-rate", "-0.01"),
                        List.of("--learning-rate -0.01: expected a number in (0, 1]")),
                new Case("NaN learning rate", (data, out) -> args(data, out, "--learning-rate", "NaN"),
                        List.of("--learning-rate NaN: expected a number in (0, 1]")),
                new Case("parameters-only averaging on the driver", (data, out) -> args(data, out, "--averaged",
                        "parameters", "--averaging", "driver"),
                        List.of("--averaged parameters: needs --averaging allreduce")),
                new Case("batch size 0", (data, out) -> args(data, out, "--batch-size-per-worker", "0"),
                        List.of("--batch-size-per-worker 0: expected a whole number of at least 1")),
                new Case("not a number", (data, out) -> args(data, out, "--epochs", "five"),
                        List.of("Invalid value for option '--epochs': 'five' is not an int")),
                new Case("unknown augmentation", (data, out) -> args(data, out, "--augment", "rotate"),
                        List.of("Invalid value for option '--augment'",
                                "expected one of none, flip, crop-flip, found 'rotate'")),
                new Case("unknown test-time augmentation", (data, out) -> args(data, out, "--tta", "crop"),
                        List.of("Invalid value for option '--tta'", "expected one of none, flip, found 'crop'")),
                new Case("unknown recipe", (data, out) -> args(data, out, "--recipe", "fast"),
                        List.of("--recipe fast: expected one of reference, quarter-hour, long")),
                new Case("unknown key in a --config file", (data, out) -> args(data, out, "--config",
                        Files.writeString(data.resolveSibling("typo.properties"), "epoch = 7\n").toString()),
                        List.of("typo.properties: unknown key 'epoch'; keys are train option names without '--'")),
                new Case("a --config file naming another", (data, out) -> args(data, out, "--config",
                        Files.writeString(data.resolveSibling("nested.properties"), "config = other.properties\n")
                                .toString()),
                        List.of("nested.properties: key 'config' names another file; expected the options themselves")),
                new Case("an option given twice", (data, out) -> args(data, out, "--epochs", "3", "--epochs", "4"),
                        List.of("option '--epochs' (N) should be specified only once")),
                new Case("output that cannot be written", (data, out) -> {
                    Path file = Files.writeString(data.resolveSibling("a-file"), "x");
                    return List.of("train", "--data", data.toString(), "--output", file.resolve("runs").toString());
                }, List.of("a-file/runs: cannot be written")),
                new Case("corrupt checkpoint on --resume", (data, out) -> {
                    checkpoint(out, "r", Map.of("classes", "airplane,bird"), SyntheticCifar.noise(4096, 2));
                    return args(data, out, "--run-id", "r", "--resume");
                }, List.of("checkpoints/r/epoch-0001.zip: not a readable DL4J ComputationGraph checkpoint")),
                new Case("foreign checkpoint on --resume", (data, out) -> {
                    checkpoint(out, "r", Map.of("classes", "airplane,bird"), Checkpoints.serialize(tinyGraph()));
                    return args(data, out, "--run-id", "r", "--resume");
                }, List.of("checkpoints/r/epoch-0001.zip: a DL4J ComputationGraph, but not this job's ResNet34",
                        "expected a checkpoint written by spark-resnet train")),
                new Case("checkpoint without its description", (data, out) -> {
                    checkpoint(out, "r", Map.of("classes", "airplane,bird"), SyntheticCifar.noise(10, 3));
                    Files.delete(out.resolve("checkpoints/r/epoch-0001.properties"));
                    return args(data, out, "--run-id", "r", "--resume");
                }, List.of("checkpoints/r/epoch-0001.properties: checkpoint description unreadable")),
                new Case("checkpoint with NaN parameters", (data, out) -> {
                    ComputationGraph net = ResNet34.build(ResNetConfig.cifarPair());
                    net.params().putScalar(1234, Double.NaN);
                    checkpoint(out, "r", Map.of("classes", "airplane,bird"), Checkpoints.serialize(net));
                    return args(data, out, "--run-id", "r", "--resume");
                }, List.of("checkpoints/r/epoch-0001.zip: parameters contain NaN or infinite values")),
                new Case("corrupt model for predict", (data, out) -> {
                    Path dir = Files.createDirectories(data.resolveSibling("saved"));
                    Files.write(dir.resolve("model.zip"), SyntheticCifar.noise(4096, 6));
                    Files.writeString(dir.resolve("model.properties"), "classes=airplane,bird\n");
                    return List.of("predict", "--model", dir.resolve("model.zip").toString(), "--data", data.toString(),
                            "--output", out.resolve("predictions").toString(), "--master", "local[1]");
                }, List.of("model.zip: not a readable DL4J ComputationGraph model")),
                new Case("evaluate without --data", (data, out) -> List.of("evaluate", "--model",
                        out.resolve("model.zip").toString(), "--output", out.toString(), "--master", "local[1]"),
                        List.of("--data or --images is required: the CIFAR-10 location")),
                new Case("both --data and --images", (data, out) -> images(data, out, "--data", data.toString()),
                        List.of("--data and --images: expected one of them, not both")),
                new Case("no such image folder", (data, out) -> List.of("train", "--images",
                        data.resolveSibling("nowhere").toString(), "--output", out.toString()),
                        List.of("/nowhere: no such directory; expected a folder with one sub-folder of images per class")),
                new Case("image folder with one class", (data, out) -> {
                    Path one = ImageFolders.writeColours(data.resolveSibling("one"), List.of("cat"), 2, 8);
                    return List.of("train", "--images", one.toString(), "--output", out.toString());
                }, List.of("/one: found 1 class sub-folder (cat); expected one sub-folder of images per class")),
                new Case("empty class folder", (data, out) -> {
                    List<String> a = images(data, out);
                    Files.createDirectories(Path.of(a.get(2), "emu"));
                    return a;
                }, List.of("/emu: class 'emu' holds no image files")),
                new Case("unreadable image", (data, out) -> {
                    List<String> a = images(data, out);
                    Files.writeString(Path.of(a.get(2), "dog", "broken.png"), "not a png");
                    return a;
                }, List.of("1 file could not be decoded as an image, the first ", "/dog/broken.png")),
                new Case("unknown class in an image folder", (data, out) -> images(data, out, "--classes", "cat,emu"),
                        List.of("--classes cat,emu: unknown class 'emu'; valid classes: cat, dog")),
                new Case("bad --test-fraction", (data, out) -> images(data, out, "--test-fraction", "1"),
                        List.of("--test-fraction 1.0: expected a fraction between 0 and 1")),
                new Case("resume an image-folder run with other classes", (data, out) -> {
                    checkpoint(out, "r", Map.of("classes", "dog,cat"), SyntheticCifar.noise(10, 4));
                    return images(data, out, "--run-id", "r", "--resume");
                }, List.of("(classes: checkpoint has dog,cat, this run asks for cat,dog)")),
                new Case("resume with other classes", (data, out) -> {
                    checkpoint(out, "r", Map.of("classes", "cat,dog"), SyntheticCifar.noise(10, 4));
                    return args(data, out, "--run-id", "r", "--resume");
                }, List.of("was written by a different run configuration (classes: checkpoint has cat,dog, "
                        + "this run asks for airplane,bird)")),
                new Case("resume with another model", (data, out) -> {
                    checkpoint(out, "r", Map.of("classes", "airplane,bird"), SyntheticCifar.noise(10, 5));
                    return args(data, out, "--run-id", "r", "--resume", "--biased-block-convs");
                }, List.of("biased-block-convs: checkpoint has false, this run asks for true")),
                new Case("a new run over an existing run's checkpoints", (data, out) ->
                        args(data, out, "--run-id", "earlier"),
                        List.of("--run-id earlier: ", "already holds checkpoints; pass --resume")),
                new Case("archive with a bad checksum", (data, out) -> {
                    Path empty = Files.createDirectories(data.resolveSibling("download-here"));
                    int port = serveArchive(SyntheticCifar.writeArchive(data.resolveSibling("origin"), 2));
                    return List.of("train", "--data", empty.toString(), "--output", out.toString(), "--download",
                            "--download-url", "http://127.0.0.1:" + port + "/cifar-10-binary.tar.gz", "--dry-run");
                }, List.of(": downloaded archive has MD5 ", "expected c32a1d4ab5d03f1284b67883e8d87530", "nothing was kept")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void badInputIsOneClearLineExitTwoAndLeavesTheOutputAlone(Case c) throws Exception {
        Path data = tmp.resolve("data");
        SyntheticCifar.writeDirectory(data, 20);
        Path out = tmp.resolve("out");
        earlierRun(out);
        List<String> args = c.setup().apply(data, out);
        Map<String, String> before = snapshot(out);

        CommandLineRunner r = CommandLineRunner.run(args.toArray(new String[0]));

        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode(), c.name() + ": " + r.err());
        String error = r.err().lines().filter(l -> l.startsWith("error: ")).findFirst().orElse("");
        for (String expected : c.expected()) {
            assertTrue(error.contains(expected), c.name() + ": expected <" + expected + "> in:\n" + r.err());
        }
        assertFalse(r.err().contains("\tat "), c.name() + ": no stack trace for bad input:\n" + r.err());
        assertEquals(before, snapshot(out), c.name() + ": --output must be untouched");
    }

    @Test
    void theCatalogueHasEveryKindTheDocsList() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("project.basedir", ".")).resolve("docs/reliability.md"));
        List<String> missing = new ArrayList<>();
        catalogue().forEach(c -> {
            if (!readme.contains("| " + c.name() + " |")) {
                missing.add(c.name());
            }
        });
        assertTrue(missing.isEmpty(), "docs/reliability.md's bad-input table lacks: " + missing);
        assertTrue(catalogue().count() >= 12);
    }

    private static Path batches(Path data) {
        return data.resolve("cifar-10-batches-bin");
    }

    private static List<String> dryRun(Path data, Path out) {
        return List.of("train", "--data", data.toString(), "--output", out.toString(), "--dry-run");
    }

    private static List<String> args(Path data, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--output", out.toString(),
                "--limit-train", "8", "--limit-test", "4"));
        a.addAll(List.of(extra));
        return a;
    }

    /** A folder of cat and dog images beside {@code data}, trained on; {@code --images} is at index 2. */
    private static List<String> images(Path data, Path out, String... extra) throws IOException {
        Path folder = data.resolveSibling("pets");
        if (!Files.exists(folder)) {
            ImageFolders.writeColours(folder, List.of("cat", "dog"), 4, 12);
        }
        List<String> a = new ArrayList<>(List.of("train", "--images", folder.toString(), "--output", out.toString()));
        a.addAll(List.of(extra));
        for (String[] option : new String[][] {{"--classes", "cat,dog"}, {"--test-fraction", "0.5"}}) {
            if (!a.contains(option[0])) {
                a.addAll(List.of(option));
            }
        }
        return a;
    }

    /** What another run left in the output: a metrics file and a checkpoint, for the untouched check. */
    private static void earlierRun(Path out) throws IOException {
        Files.createDirectories(out.resolve("metrics/run_id=earlier/epoch=1"));
        Files.writeString(out.resolve("metrics/run_id=earlier/epoch=1/part-00000.parquet"), "earlier metrics");
        checkpoint(out, "earlier", Map.of("classes", "airplane,bird"), "earlier checkpoint".getBytes());
    }

    /** A checkpoint of epoch 1 with the given zip bytes and a description from {@code identity}. */
    private static void checkpoint(Path out, String run, Map<String, String> identity, byte[] zip) throws IOException {
        Path dir = Files.createDirectories(out.resolve("checkpoints").resolve(run));
        Properties p = new Properties();
        p.setProperty("classes", "airplane,bird");
        p.setProperty("biased_block_convs", "false");
        p.setProperty("seed", "42");
        p.setProperty("epoch", "1");
        identity.forEach(p::setProperty);
        try (OutputStream o = Files.newOutputStream(dir.resolve("epoch-0001.properties"))) {
            p.store(o, null);
        }
        Files.write(dir.resolve("epoch-0001.zip"), zip);
    }

    private static ComputationGraph tinyGraph() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "in")
                .setOutputs("out").build());
        g.init();
        return g;
    }

    /** Serves {@code archive} (not the real CIFAR-10, so its MD5 is wrong) on 127.0.0.1. */
    private static int serveArchive(Path archive) throws IOException {
        byte[] bytes = Files.readAllBytes(archive);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/cifar-10-binary.tar.gz", ex -> {
            ex.sendResponseHeaders(200, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        });
        server.start();
        servers.add(server);
        return server.getAddress().getPort();
    }

    /** Every file under {@code dir}: relative path -> size and SHA-256. */
    private static Map<String, String> snapshot(Path dir) throws Exception {
        Map<String, String> m = new TreeMap<>();
        if (!Files.exists(dir)) {
            return m;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String key = dir.relativize(f).toString();
                if (Files.isDirectory(f)) {
                    m.put(key + "/", "dir");
                } else {
                    byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f));
                    m.put(key, Files.size(f) + " " + HexFormat.of().formatHex(digest));
                }
            }
        }
        return m;
    }
}
