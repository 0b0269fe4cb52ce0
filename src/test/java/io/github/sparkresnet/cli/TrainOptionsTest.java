package io.github.sparkresnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.SyntheticCifar;
import io.github.sparkresnet.spark.TestSpark;
import io.github.sparkresnet.train.Recipe;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every train option is checked by --dry-run, with a message that names it. */
class TrainOptionsTest {
    @TempDir
    static Path tmp;

    @BeforeAll
    static void data() throws Exception {
        TestSpark.get();
        SyntheticCifar.writeDirectory(tmp.resolve("data"), 20);
    }

    private static CommandLineRunner dryRun(String... options) {
        String[] args = new String[options.length + 6];
        args[0] = "train";
        args[1] = "--data";
        args[2] = tmp.resolve("data").toString();
        args[3] = "--output";
        args[4] = tmp.resolve("out").toString();
        args[5] = "--dry-run";
        System.arraycopy(options, 0, args, 6, options.length);
        return CommandLineRunner.run(args);
    }

    private static void rejected(String expected, String... options) {
        CommandLineRunner r = dryRun(options);
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode(), String.join(" ", options));
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void badValuesAreRejectedByName() {
        rejected("--epochs 0: expected a whole number of at least 1", "--epochs", "0");
        rejected("--batch-size-per-worker 0: expected a whole number of at least 1", "--batch-size-per-worker", "0");
        rejected("--averaging-frequency -1", "--averaging-frequency", "-1");
        rejected("--aggregation-depth 0: expected a whole number of at least 1", "--aggregation-depth", "0");
        rejected("--learning-rate NaN: expected a number in (0, 1]", "--learning-rate", "NaN");
        rejected("--learning-rate -0.1: expected a number in (0, 1]", "--learning-rate", "-0.1");
        rejected("--workers -2: expected 0 or more", "--workers", "-2");
        rejected("--run-id a/b: expected 1-100 characters", "--run-id", "a/b");
        rejected("--storage-level MEMORY_SOMETIMES", "--storage-level", "MEMORY_SOMETIMES");
        rejected("Invalid value for option '--rdd-training-approach'", "--rdd-training-approach", "Teleport");
        rejected("Invalid value for option '--epochs'", "--epochs", "five");
        rejected("Unknown options: '--epoch', '3'", "--epoch", "3");
        rejected("--warmup-epochs 5: expected fewer than --epochs (5)", "--warmup-epochs", "5");
        rejected("--warmup-epochs 5.5: expected fewer than --epochs (5)", "--warmup-epochs", "5.5");
        rejected("--warmup-epochs -0.5: expected 0 or more epochs", "--warmup-epochs", "-0.5");
        rejected("--label-smoothing 1.0: expected a number in [0, 1)", "--label-smoothing", "1");
        rejected("--validation-fraction 1.0: expected a fraction in [0, 1)", "--validation-fraction", "1");
        rejected("--validation-fraction NaN: expected a fraction in [0, 1)", "--validation-fraction", "NaN");
        rejected("--lr-step-gamma 2.0: expected a factor in (0, 1]", "--lr-step-gamma", "2");
        rejected("--weight-decay -1.0E-4: expected a number in [0, 1)", "--weight-decay", "-0.0001");
        rejected("--early-stopping-patience -1: expected 0 or more", "--early-stopping-patience", "-1");
        rejected("Invalid value for option '--lr-schedule'", "--lr-schedule", "exponential");
        rejected("Invalid value for option '--stem'", "--stem", "tiny");
        rejected("--recipe fast: expected one of reference, quarter-hour, long", "--recipe", "fast");
    }

    @Test
    void anOutputThatIsAFileIsRejected() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        CommandLineRunner r = CommandLineRunner.run("train", "--data", tmp.resolve("data").toString(),
                "--output", file.toString(), "--dry-run");
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertTrue(r.err().contains("--output " + file + ": is a file"), r.err());
    }

    @Test
    void dryRunPrintsThePlanAndEveryOption() {
        CommandLineRunner r = dryRun("--epochs", "3", "--limit-train", "12");
        assertEquals(0, r.exitCode(), r.err());
        // the first 12 pair records in file order: records 0, 2, 10, 12 of data_batch_1..3
        assertTrue(r.out().contains("train airplane 6\ntrain bird 6\ntest airplane 2\ntest bird 2\n"), r.out());
        assertTrue(r.out().contains("option epochs = 3"), r.out());
        assertTrue(r.out().contains("plan 2 workers, 1280 images per averaging round"), r.out()); // 2 x 64 x 10
    }

    @Test
    void configFileSetsDefaultsAndTheCommandLineWins() throws Exception {
        Path conf = Files.writeString(tmp.resolve("train.properties"), "epochs = 7\naveraging-frequency = 3\n");
        CommandLineRunner r = dryRun("--config", conf.toString(), "--averaging-frequency", "4");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("option epochs = 7"), r.out());
        assertTrue(r.out().contains("option averaging-frequency = 4"), r.out());
    }

    @Test
    void theShippedConfigFileIsValid() {
        Path shipped = Path.of(System.getProperty("project.basedir", "."), "conf/train.properties");
        CommandLineRunner r = dryRun("--config", shipped.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("option batch-size-per-worker = 64"), r.out());
    }

    @Test
    void notebooksGetTheSameConfigAsTheCommandLine() {
        io.github.sparkresnet.train.TrainConfig c = Main.trainConfig("--data", "/d", "--epochs", "2", "--run-id", "nb");
        assertEquals("/d", c.data.path);
        assertEquals(2, c.epochs);
        assertEquals(64, c.batchSizePerWorker, "the command line's default");
        assertEquals("airplane,bird", c.classes);
        io.github.sparkresnet.BadInputException bad = org.junit.jupiter.api.Assertions.assertThrows(
                io.github.sparkresnet.BadInputException.class, () -> Main.trainConfig("--data", "/d", "--epochs", "0"));
        assertTrue(bad.getMessage().contains("--epochs 0"), bad.getMessage());
        bad = org.junit.jupiter.api.Assertions.assertThrows(io.github.sparkresnet.BadInputException.class,
                () -> Main.trainConfig("--data", "/d", "--epoch", "3"));
        assertTrue(bad.getMessage().contains("--epoch"), bad.getMessage());
    }

    @Test
    void theShippedConfigFileHoldsExactlyTheBuiltInDefaults() {
        String file = Path.of(System.getProperty("project.basedir", "."), "conf/train.properties").toString();
        assertEquals(Main.trainConfig("--data", "/d", "--run-id", "x").asMap(),
                Main.trainConfig("--config", file, "--data", "/d", "--run-id", "x").asMap());
    }

    @Test
    void theShippedConfigFileListsEveryOptionThatHasADefault() throws Exception {
        java.util.Properties file = new java.util.Properties();
        try (java.io.Reader r = Files.newBufferedReader(Path.of(System.getProperty("project.basedir", "."),
                "conf/train.properties"))) {
            file.load(r);
        }
        java.util.List<String> missing = new java.util.ArrayList<>();
        java.util.List<String> seen = new java.util.ArrayList<>();
        for (picocli.CommandLine.Model.OptionSpec o : picocli.CommandLine.Model.CommandSpec
                .forAnnotatedObject(new io.github.sparkresnet.train.TrainConfig()).options()) {
            seen.add(o.longestName());
            if (o.defaultValue() != null && !file.containsKey(o.longestName().substring(2))) {
                missing.add(o.longestName());
            }
        }
        assertTrue(seen.containsAll(java.util.List.of("--epochs", "--data", "--output", "--tta", "--limit-test")),
                "the options of TrainConfig's own fields and of its shared groups: " + seen);
        assertTrue(missing.isEmpty(), "conf/train.properties lacks " + missing);
    }

    @Test
    void thePlanPrintsEveryOptionAsAConfigFileReadsItBack() throws Exception {
        io.github.sparkresnet.train.TrainConfig c = Main.trainConfig("--data", "/d", "--run-id", "x",
                "--augment", "crop-flip", "--tta", "none", "--averaging", "driver", "--rdd-training-approach", "Export",
                "--stem", "cifar", "--lr-schedule", "step", "--workers", "3", "--weight-decay", "0.05");
        StringBuilder text = new StringBuilder();
        c.asMap().forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
        Path file = Files.writeString(tmp.resolve("plan.properties"), text);
        assertEquals(c.asMap(), Main.trainConfig("--config", file.toString()).asMap());
        assertEquals("crop-flip", c.asMap().get("augment"), "the same name and value as on the command line");
        assertEquals("3", c.asMap().get("workers"));
    }

    @Test
    void aRecipeOnTheCommandLineWinsOverTheConfigFileAndOptionsOnTheCommandLineOverBoth() throws Exception {
        // a file listing every option, as one copied from conf/train.properties does, must not hide the recipe
        Path conf = Files.writeString(tmp.resolve("full.properties"), "tta = flip\naugment = flip\nepochs = 8\n");
        CommandLineRunner r = dryRun("--config", conf.toString(), "--recipe", "reference", "--lr-schedule", "step");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("option augment = none"), "the recipe's over the file's: " + r.out());
        assertTrue(r.out().contains("option tta = none"), "the recipe's over the file's: " + r.out());
        assertTrue(r.out().contains("option epochs = 8"), "the file's, the recipe does not set it: " + r.out());
        assertTrue(r.out().contains("option lr-schedule = step"), "the command line's over the recipe's: " + r.out());
        assertTrue(r.out().contains("option batch-size-per-worker = 64"), "built in: " + r.out());
    }

    @Test
    void aConfigFileCanNameARecipeUnderItsOwnKeysThatTheCommandLinesRecipeReplaces() throws Exception {
        Path conf = Files.writeString(tmp.resolve("names-a-recipe.properties"), "recipe = quarter-hour\nepochs = 7\n");
        CommandLineRunner r = dryRun("--config", conf.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("option stem = pooled"), "the file's recipe: " + r.out());
        assertTrue(r.out().contains("option epochs = 7"), "the file's own key over its recipe: " + r.out());
        r = dryRun("--config", conf.toString(), "--recipe", "reference");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("option stem = imagenet"), "the command line's recipe instead: " + r.out());
        assertTrue(r.out().contains("option augment = none"), r.out());
        assertTrue(r.out().contains("option epochs = 7"), r.out());
    }

    @Test
    void theReferenceRecipeIsThePyTorchReferencesRecipe() {
        Map<String, String> m = Main.trainConfig("--recipe", "reference", "--data", "/d", "--run-id", "x").asMap();
        // ../shared/reference: Adam 1e-3, batch 64, 5 epochs, a constant rate, no augmentation, no test-time flips
        assertEquals(Map.of("learning-rate", "0.001", "batch-size-per-worker", "64", "epochs", "5",
                        "lr-schedule", "constant", "augment", "none", "tta", "none", "stem", "imagenet",
                        "weight-decay", "0.0", "label-smoothing", "0.0", "warmup-epochs", "0.0"),
                pick(m, "learning-rate", "batch-size-per-worker", "epochs", "lr-schedule", "augment", "tta", "stem",
                        "weight-decay", "label-smoothing", "warmup-epochs"));
    }

    @Test
    void everyShippedRecipeIsAValidRunThatDiffersFromTheDefaultsInExactlyItsKeys() throws Exception {
        Path dir = Path.of(System.getProperty("project.basedir", "."), "conf/recipes");
        List<String> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.map(f -> f.getFileName().toString().replaceFirst("\\.properties$", "")).sorted().toList();
        }
        assertEquals(Recipe.NAMES.stream().sorted().toList(), files, "every file in conf/recipes is a recipe --recipe names");
        Map<String, String> defaults = Main.trainConfig("--data", "/d", "--run-id", "x").asMap();
        for (String name : Recipe.NAMES) {
            Properties file = new Properties();
            try (Reader r = Files.newBufferedReader(dir.resolve(name + ".properties"))) {
                file.load(r);
            }
            Map<String, String> recipe = Main.trainConfig("--recipe", name, "--data", "/d", "--run-id", "x").asMap();
            Set<String> changed = new TreeSet<>();
            recipe.forEach((k, v) -> {
                if (!v.equals(defaults.get(k))) {
                    changed.add(k);
                }
            });
            assertEquals(new TreeSet<>(file.stringPropertyNames()), changed,
                    name + ": the options the jar's copy changes are the file's keys, each away from its default");
        }
    }

    private static Map<String, String> pick(Map<String, String> m, String... keys) {
        Map<String, String> picked = new HashMap<>();
        for (String k : keys) {
            picked.put(k, m.get(k));
        }
        return picked;
    }
}
