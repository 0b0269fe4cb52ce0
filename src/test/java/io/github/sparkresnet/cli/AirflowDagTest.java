package io.github.sparkresnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.sparkresnet.data.SyntheticCifar;
import io.github.sparkresnet.spark.TestSpark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Airflow DAG (submit/airflow) against the job it schedules. Airflow cannot be installed here, so
 * src/test/python/render_dag.py loads the DAG with stand-ins for the airflow modules and renders its
 * SparkSubmitOperators' templated fields for a logical date; their application_args then go to the
 * real command line. A DAG that passes an option the job does not know fails here.
 */
class AirflowDagTest {
    private static final Path ROOT = Path.of(System.getProperty("project.basedir", ".")).toAbsolutePath();
    private static final Path DAG = ROOT.resolve("submit/airflow/spark_resnet_daily.py");

    @TempDir
    static Path tmp;

    @BeforeAll
    static void data() throws Exception {
        TestSpark.get();
        SyntheticCifar.writeDirectory(tmp.resolve("data"), 20);
    }

    private static String python(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("python3"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python3 timed out");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    private static JsonNode render(String logicalDate) throws Exception {
        String variables = new ObjectMapper().writeValueAsString(Map.of(
                "spark_resnet_data", tmp.resolve("data").toString(),
                "spark_resnet_output", tmp.resolve("out").toString(),
                "spark_resnet_jar", "/opt/job.jar"));
        return new ObjectMapper().readTree(python(ROOT.resolve("src/test/python/render_dag.py").toString(),
                DAG.toString(), logicalDate, variables));
    }

    private static String[] args(JsonNode task, String... extra) {
        List<String> args = new ArrayList<>();
        task.get("application_args").forEach(a -> args.add(a.asText()));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    @Test
    void compilesUnderPython3() throws Exception {
        python("-c", "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')", DAG.toString());
    }

    @Test
    void trainTaskPassesTheJobsDryRun() throws Exception {
        JsonNode train = render("2026-11-22").get("tasks").get("train");
        assertEquals("io.github.sparkresnet.cli.Main", train.get("java_class").asText());
        assertEquals("/opt/job.jar", train.get("application").asText());
        CommandLineRunner r = CommandLineRunner.run(args(train, "--dry-run"));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("option run-id = daily-20261122"), r.out());
        assertTrue(r.out().contains("option resume = true"), "a retry continues the run: " + r.out());
        assertTrue(train.get("retries").asInt() > 0 && train.get("execution_timeout_s").asDouble() > 0, train.toString());
    }

    @Test
    void aRetryOrBackfillOfADateTargetsThatDatesRun() throws Exception {
        String first = render("2026-11-22").get("tasks").get("train").get("application_args").toString();
        assertEquals(first, render("2026-11-22").get("tasks").get("train").get("application_args").toString());
        assertNotEquals(first, render("2026-11-23").get("tasks").get("train").get("application_args").toString());
    }

    @Test
    void gateTaskRunsTheJobsCheckCommand() throws Exception {
        JsonNode tasks = render("2026-11-22").get("tasks");
        assertEquals("check_accuracy", tasks.get("train").get("downstream").get(0).asText());
        // the gate's options parse; with no metrics written yet it reports exactly that
        CommandLineRunner r = CommandLineRunner.run(args(tasks.get("check_accuracy"), "--master", "local[1]"));
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertTrue(r.err().contains("--run-id daily-20261122: no metrics under"), r.err());
    }

    @Test
    void sparkConfAgreesWithConfSparkDefaults() throws Exception {
        JsonNode conf = render("2026-11-22").get("tasks").get("train").get("conf");
        for (String line : Files.readAllLines(ROOT.resolve("conf/spark-defaults.conf"))) {
            String[] kv = line.trim().split("\\s+", 2);
            if (kv.length < 2 || kv[0].startsWith("#") || kv[0].endsWith(".memory")
                    || kv[0].equals("spark.scheduler.maxRegisteredResourcesWaitingTime")) {
                continue; // memory: operator arguments; the waiting time: Spark's default is fine
            }
            assertTrue(conf.has(kv[0]), "the DAG's conf lacks " + kv[0]);
            assertEquals(kv[1].trim(), conf.get(kv[0]).asText(), kv[0]);
        }
    }
}
