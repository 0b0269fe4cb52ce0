package io.github.sparkresnet.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.sparkresnet.data.RealCifar;
import io.github.sparkresnet.spark.TestSpark;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;

/**
 * Runs notebooks/spark-resnet.zpln as Zeppelin would: its {@code %spark} paragraphs in the Scala 2.12
 * REPL (IMain, the machinery of Zeppelin's Spark interpreter) with {@code spark}, {@code sc} and a
 * {@code z} stand-in bound, its {@code %spark.sql} paragraphs through {@code spark.sql}, in order,
 * on a small subset of the real CIFAR-10. The note cannot rot silently.
 */
class ZeppelinNoteIT {
    private static final Path NOTE = Path.of(System.getProperty("project.basedir", "."), "notebooks/spark-resnet.zpln");

    @TempDir
    Path out;

    @Test
    void everyParagraphRunsAndShowsTheRun() throws Exception {
        JsonNode note = new ObjectMapper().readTree(NOTE.toFile());
        SparkSession spark = TestSpark.get();
        ZeppelinStandIn z = new ZeppelinStandIn(Map.of("data", RealCifar.dir().toString(), "output", out.toString(),
                "run_id", "note", "epochs", "1", "limit_train", "128", "limit_test", "64"));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        IMain repl = repl(printed);
        bind(repl, "spark", SparkSession.class, spark);
        bind(repl, "sc", org.apache.spark.SparkContext.class, spark.sparkContext());
        bind(repl, "z", ZeppelinStandIn.class, z);
        // what Zeppelin's Spark interpreter imports before the first paragraph
        interpret(repl, "import spark.implicits._\nimport spark.sql\nimport org.apache.spark.sql.functions._", "imports", printed);

        List<String> kinds = new ArrayList<>();
        List<List<Row>> sqlResults = new ArrayList<>();
        for (JsonNode p : note.get("paragraphs")) {
            String text = p.get("text").asText();
            String kind = text.substring(0, text.indexOf('\n')).trim();
            String body = text.substring(text.indexOf('\n') + 1);
            kinds.add(kind);
            switch (kind) {
                case "%md", "%spark.conf" -> { } // prose; settings Zeppelin applies before the interpreter starts
                case "%spark" -> interpret(repl, body, p.get("title").asText(), printed);
                case "%spark.sql" -> sqlResults.add(spark.sql(body).collectAsList());
                default -> throw new AssertionError("paragraph kind the test does not know: " + kind);
            }
        }
        assertTrue(kinds.containsAll(List.of("%md", "%spark.conf", "%spark", "%spark.sql")), kinds.toString());
        assertEquals("%spark.conf", kinds.get(1 + kinds.indexOf("%md")) , "the conf paragraph comes first after the intro");

        // the SQL charts: one row per epoch
        assertEquals(2, sqlResults.size());
        for (List<Row> rows : sqlResults) {
            assertEquals(1, rows.size(), rows.toString());
            assertEquals(1, rows.get(0).getInt(0));
        }
        // z.show: the metrics table, then the 2x2 confusion matrix covering all 64 test images
        assertEquals(2, z.shown().size());
        assertEquals(1, z.shown().get(0).size());
        List<Row> confusion = z.shown().get(1);
        assertEquals(4, confusion.size());
        assertEquals(64L, confusion.stream().mapToLong(r -> r.getLong(2)).sum());
        // the predictions paragraph: an HTML table of 8 images with true and predicted labels
        String text = printed.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("%html <table>"), text);
        java.util.regex.Matcher auc = java.util.regex.Pattern
                .compile("test ROC AUC: Spark's evaluator ([0-9.]+), the run's last epoch ([0-9.]+)").matcher(text);
        assertTrue(auc.find(), text);
        assertEquals(auc.group(2), auc.group(1), "Spark's evaluator on the estimator's model, the job's evaluator");
        String table = text.lines().filter(l -> l.startsWith("%html <table>")).reduce((a, b) -> b).orElseThrow();
        assertEquals(8, table.split("data:image/png;base64,", -1).length - 1, table);
        assertEquals(8, table.split("predicted: ", -1).length - 1, table);
    }

    private static IMain repl(ByteArrayOutputStream printed) {
        Settings settings = new Settings();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        settings.classpath().value_$eq(classpath);
        settings.embeddedDefaults(ZeppelinNoteIT.class.getClassLoader());
        ((scala.tools.nsc.settings.MutableSettings.BooleanSetting) settings.usejavacp()).value_$eq(true);
        return new IMain(settings, new PrintWriter(new PrintStream(printed, true, StandardCharsets.UTF_8), true));
    }

    private static void bind(IMain repl, String name, Class<?> type, Object value) {
        scala.collection.immutable.List<String> noModifiers = scala.collection.immutable.List$.MODULE$.empty();
        Results.Result r = repl.bind(name, type.getName(), value, noModifiers);
        assertEquals(Results.Success$.MODULE$, r, "binding " + name);
    }

    /** Runs one paragraph; its console output (println, print) is captured with the REPL's. */
    private static void interpret(IMain repl, String code, String title, ByteArrayOutputStream printed) {
        PrintStream stdout = System.out;
        int before = printed.size();
        Results.Result r;
        try {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            r = scala.Console.withOut(System.out, new scala.runtime.AbstractFunction0<Results.Result>() {
                @Override
                public Results.Result apply() {
                    return repl.interpret(code);
                }
            });
        } finally {
            System.setOut(stdout);
        }
        String output = printed.toString(StandardCharsets.UTF_8).substring(Math.min(before, printed.size()));
        stdout.println("[" + title + "]\n" + output);
        assertEquals(Results.Success$.MODULE$, r, "paragraph '" + title + "' failed:\n" + output);
    }
}
