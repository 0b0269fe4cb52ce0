package io.github.sparkresnet.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.data.ImageFolders;
import io.github.sparkresnet.spark.TestSpark;
import io.github.sparkresnet.train.Recipe;
import io.github.sparkresnet.train.TrainConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The estimator's Params against train's options, its persistence, and a fit in a Pipeline on local Spark. */
class ResNetClassifierTest {
    /** The estimator's own Params: the columns, what the model takes of them, and the recipe. */
    private static final Set<String> OWN_PARAMS = Set.of("featuresCol", "labelCol", "validationIndicatorCol",
            "predictionCol", "probabilityCol", "rawPredictionCol", "dropInvalid", "recipe");

    /** A value other than the default for every option taking text; a new such option needs one here. */
    private static final Map<String, String> OTHER_TEXT = Map.of("--averaging", "driver", "--averaged", "parameters",
            "--rdd-training-approach", "export", "--storage-level", "MEMORY_AND_DISK", "--augment", "crop-flip",
            "--lr-schedule", "step", "--stem", "cifar", "--tta", "none", "--output", "elsewhere", "--run-id", "r7");

    @TempDir
    static Path dir;

    @BeforeAll
    static void session() {
        TestSpark.get();
    }

    private static List<OptionSpec> trainOptions() {
        return CommandSpec.forAnnotatedObject(new TrainConfig()).options();
    }

    @Test
    void everyTrainOptionHasAParamUnlessTheDataFrameReplacesItAndEveryParamIsAnOptionOrAColumn() {
        ResNetClassifier classifier = new ResNetClassifier();
        List<String> options = new ArrayList<>();
        for (OptionSpec option : trainOptions()) {
            String name = option.longestName();
            options.add(name);
            String param = TrainParams.camelCase(name);
            if (TrainParams.REPLACED.contains(name)) {
                assertFalse(classifier.hasParam(param), name + " is replaced by the DataFrame, yet has a Param");
                assertNull(classifier.optionParam(name));
            } else {
                assertTrue(classifier.hasParam(param), name + " has no Param " + param);
                assertSame(classifier.getParam(param), classifier.optionParam(name));
                assertTrue(classifier.explainParam(classifier.getParam(param)).contains("train option " + name));
            }
        }
        for (Param<?> param : classifier.params()) {
            long matching = options.stream().filter(o -> TrainParams.camelCase(o).equals(param.name())).count();
            assertEquals(OWN_PARAMS.contains(param.name()) ? 0 : 1, matching, "Param " + param.name()
                    + ": one of the estimator's own or exactly one train option");
        }
        assertTrue(options.containsAll(List.of("--epochs", "--augment", "--tta", "--output", "--data")), options.toString());
    }

    @Test
    void theParamsDefaultsAreTheOptionsDefaults() {
        TrainConfig fromParams = new ResNetClassifier().trainConfig("out", "r");
        TrainConfig fromOptions = TrainConfig.parse(List.of("--classes=0,1", "--output=out", "--run-id=r"));
        assertEquals(fromOptions.asMap(), fromParams.asMap());
        TrainConfig kept = new ResNetClassifier().setOption("output", "runs2").setOption("runId", "r2")
                .trainConfig("runs2", "r2");
        assertEquals("runs2", kept.output.path, "fit resolves output and runId, once");
    }

    @Test
    void eachParamSetToAnotherValueReachesItsOption() {
        for (OptionSpec option : trainOptions()) {
            String name = option.longestName();
            if (TrainParams.REPLACED.contains(name)) {
                continue;
            }
            ResNetClassifier classifier = new ResNetClassifier();
            Param<?> param = classifier.optionParam(name);
            Object value;
            if (param instanceof IntParam) {
                value = 1 + (Integer) classifier.getOrDefault(param);
            } else if (param instanceof LongParam) {
                value = 1 + (Long) classifier.getOrDefault(param);
            } else if (param instanceof DoubleParam) {
                double d = (Double) classifier.getOrDefault(param);
                value = d == 0 ? 0.25 : d / 2;
            } else if (param instanceof BooleanParam) {
                value = !(Boolean) classifier.getOrDefault(param);
            } else {
                value = OTHER_TEXT.get(name);
                if (value == null) {
                    fail("no other value for " + name + " in OTHER_TEXT");
                }
            }
            classifier.setOption(param.name(), value);
            TrainConfig config = classifier.trainParams().toConfig(classifier, new Properties(), List.of());
            assertEquals(String.valueOf(value).toLowerCase(), config.asMap().get(name.substring(2)).toLowerCase(),
                    name + " through Param " + param.name());
        }
    }

    @Test
    void savedAndLoadedWithEveryParam() throws Exception {
        ResNetClassifier classifier = new ResNetClassifier().setOption("epochs", 3).setOption("--augment", "crop-flip")
                .setOption("learningRate", 0.0005).setOption("resume", true).setValidationIndicatorCol("isVal")
                .setRecipe("quarter-hour");
        String path = dir.resolve("classifier").toString();
        classifier.write().overwrite().save(path);
        ResNetClassifier loaded = ResNetClassifier.load(path);
        assertEquals(classifier.uid(), loaded.uid());
        for (Param<?> p : classifier.params()) {
            assertEquals(classifier.isSet(p), loaded.isSet(loaded.getParam(p.name())), p.name());
            if (classifier.isDefined(p)) {
                assertEquals(classifier.getOrDefault(p), loaded.getOrDefault(loaded.getParam(p.name())), p.name());
            }
        }
    }

    @Test
    void aRecipeReplacesTheDefaultsOfTheParamsNotSetAsTrainsRecipeDoes() {
        List<String> runArgs = List.of("--classes=0,1", "--output=out", "--run-id=r");
        for (String name : Recipe.NAMES) {
            Properties recipe = Recipe.load(name, "--recipe");
            List<String> args = new ArrayList<>(runArgs);
            recipe.stringPropertyNames().forEach(k -> args.add("--" + k + "=" + recipe.getProperty(k).trim()));
            Map<String, String> expected = TrainConfig.parse(args).asMap();
            assertEquals(expected, new ResNetClassifier().setRecipe(name).trainConfig("out", "r").asMap(), name);
            assertTrue(recipe.stringPropertyNames().stream().anyMatch(k -> !expected.get(k).equals(
                    new ResNetClassifier().trainConfig("out", "r").asMap().get(k))), name + " changes a default");
        }
        // What the user set wins, whichever was set first; the rest is the recipe's.
        Map<String, String> before = new ResNetClassifier().setOption("epochs", 2).setOption("augment", "flip")
                .setRecipe("quarter-hour").trainConfig("out", "r").asMap();
        Map<String, String> after = new ResNetClassifier().setRecipe("quarter-hour").setOption("epochs", 2)
                .setOption("augment", "flip").trainConfig("out", "r").asMap();
        assertEquals(before, after);
        assertEquals(List.of("2", "flip", "pooled", "0.05"), List.of(after.get("epochs"), after.get("augment"),
                after.get("stem"), after.get("weight-decay")));
        // Spark's own set(param, value) takes the name too.
        ResNetClassifier bySet = new ResNetClassifier();
        bySet.set(bySet.recipe(), "long");
        assertEquals("cifar", bySet.trainConfig("out", "r").asMap().get("stem"));
    }

    @Test
    void wrongNamesValuesAndColumnsAreOneClearMessage() {
        String expectedRecipes = "ResNetClassifier Param recipe fast: expected one of reference, quarter-hour, long";
        assertEquals(expectedRecipes, assertThrows(BadInputException.class,
                () -> new ResNetClassifier().setRecipe("fast")).getMessage());
        ResNetClassifier unknownBySet = new ResNetClassifier();
        unknownBySet.set(unknownBySet.recipe(), "fast");
        assertEquals(expectedRecipes, assertThrows(BadInputException.class,
                () -> unknownBySet.trainConfig("o", "r")).getMessage());
        BadInputException noParam = assertThrows(BadInputException.class,
                () -> new ResNetClassifier().setOption("epoch", 3));
        assertTrue(noParam.getMessage().startsWith("ResNetClassifier has no Param 'epoch'; its Params: "),
                noParam.getMessage());
        BadInputException type = assertThrows(BadInputException.class,
                () -> new ResNetClassifier().setOption("epochs", "three"));
        assertEquals("ResNetClassifier Param epochs: expected a int; found three", type.getMessage());
        BadInputException range = assertThrows(BadInputException.class,
                () -> new ResNetClassifier().setOption("epochs", 0).trainConfig("o", "r"));
        assertTrue(range.getMessage().contains("--epochs 0: expected a whole number of at least 1"), range.getMessage());

        Dataset<Row> rows = colours().withColumn("label", col("name").equalTo("dog").cast("int"));
        BadInputException noIndicator = assertThrows(BadInputException.class, () -> new ResNetClassifier().fit(rows));
        assertTrue(noIndicator.getMessage().startsWith("validationIndicatorCol is not set"), noIndicator.getMessage());
        BadInputException threeClasses = assertThrows(BadInputException.class, () -> new ResNetClassifier()
                .setValidationIndicatorCol("isVal").fit(rows.withColumn("label", col("label").plus(1))));
        assertTrue(threeClasses.getMessage().startsWith("labelCol 'label': 12 rows are not 0 or 1 (e.g. 2)"),
                threeClasses.getMessage());
        BadInputException text = assertThrows(BadInputException.class, () -> new ResNetClassifier()
                .setValidationIndicatorCol("isVal").setLabelCol("name").fit(rows));
        assertTrue(text.getMessage().startsWith("labelCol 'name': expected a numeric column"), text.getMessage());
    }

    /** 12 cat and 12 dog images of 16x16 as Spark's image source reads them; every fourth marked for validation. */
    private static Dataset<Row> colours() {
        Path root = dir.resolve("pets");
        try {
            if (!Files.exists(root)) {
                ImageFolders.writeColours(root, List.of("cat", "dog"), 12, 16);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return TestSpark.get().read().format("image").option("recursiveFileLookup", true).load(root.toString())
                .withColumn("name", regexp_extract(col("image.origin"), "/(cat|dog)/", 1))
                .withColumn("isVal", regexp_extract(col("image.origin"), "-([0-9]+)\\.png$", 1).cast("int")
                        .mod(4).equalTo(0));
    }

    @Test
    void withOutputAndRunIdAFitIsKeptLikeTrainsAndResumes() throws Exception {
        Dataset<Row> rows = colours().withColumn("label", col("name").equalTo("dog").cast("int"));
        String out = dir.resolve("kept").toString();
        ResNetClassifier one = new ResNetClassifier().setValidationIndicatorCol("isVal").setOption("epochs", 1)
                .setOption("batchSizePerWorker", 6).setOption("output", out).setOption("runId", "kept")
                .setRecipe("reference");
        one.fit(rows);
        assertTrue(Files.exists(dir.resolve("kept/checkpoints/kept/epoch-0001.zip")));
        assertTrue(Files.exists(dir.resolve("kept/model/kept/final.zip")));
        Row first = TestSpark.get().read().parquet(out + "/metrics").first();
        assertEquals("none", first.getAs("val_tta"), "the reference recipe scores without test-time flips");
        assertEquals("none", first.<scala.collection.Map<String, String>>getAs("train_options").apply("augment"));

        BadInputException again = assertThrows(BadInputException.class, () -> one.fit(rows));
        assertTrue(again.getMessage().contains("already holds checkpoints; pass --resume"), again.getMessage());

        ResNetClassificationModel two = one.copy(org.apache.spark.ml.param.ParamMap.empty()).setOption("epochs", 2)
                .setOption("resume", true).fit(rows);
        List<Row> epochs = two.summary().orderBy("epoch").collectAsList();
        assertEquals(2, epochs.size(), "epoch 1 from the first fit, epoch 2 from the resumed one");
        assertEquals(first.<java.sql.Timestamp>getAs("end_time"), epochs.get(0).<java.sql.Timestamp>getAs("end_time"),
                "epoch 1 was not trained again");
        assertEquals("none", two.getOrDefault(two.tta()), "the model scores as its run scored, the recipe's way");
    }

    @Test
    void aPipelineOfStringIndexerAndTheClassifierFitsScoresTheMarkedRowsAndTransforms() throws Exception {
        Dataset<Row> rows = colours();
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            new StringIndexer().setInputCol("name").setOutputCol("label"),
            new ResNetClassifier().setValidationIndicatorCol("isVal").setOption("epochs", 1)
                    .setOption("batchSizePerWorker", 6).setOption("averagingFrequency", 1).setOption("seed", 5)});
        PipelineModel fitted = pipeline.fit(rows);
        ResNetClassificationModel model = (ResNetClassificationModel) fitted.stages()[1];
        String[] labels = ((org.apache.spark.ml.feature.StringIndexerModel) fitted.stages()[0]).labelsArray()[0];
        assertEquals(List.of(labels), List.of(model.getOrDefault(model.classNames())), "the indexer's labels");
        Row epoch = model.summary().first();
        assertEquals(1, (int) epoch.getAs("epoch"));
        assertEquals(18L, (long) epoch.getAs("train_images"), "the 18 unmarked rows, each once");
        assertEquals(6L, (long) epoch.getAs("val_images"), "the 6 marked rows");
        assertEquals("flip", model.getOrDefault(model.tta()), "scored as the run scores");

        List<Row> scored = fitted.transform(rows).select("prediction", "probability").collectAsList();
        assertEquals(24, scored.size());
        for (Row r : scored) {
            double p1 = ((org.apache.spark.ml.linalg.Vector) r.get(1)).apply(1);
            assertEquals(p1 > 0.5 ? 1.0 : 0.0, r.getDouble(0), 0.0, r.toString());
        }
        try (Stream<Path> left = Files.list(Path.of("").toAbsolutePath())) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith("_spark-resnet-fit-")).toList(),
                    "the fit's temporary output is removed");
        }
    }
}
