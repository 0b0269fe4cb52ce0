package io.github.sparkresnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.cli.Main;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

/**
 * Credentials in paths and secret settings (spark.authenticate.secret, keys) never reach logs,
 * messages, printed commands or checkpoints; the shipped configs hold none. (SecureClusterIT checks a
 * real secret against every log, description and metrics row of a run on a locked-down cluster.)
 */
class RedactionTest {
    private static final Path ROOT = Path.of(System.getProperty("project.basedir", "."));
    private static final String SECRET = "wJalrXUtnFEMI%2FK7MDENG";

    @Test
    void hidesUserInfoWithAPassword() {
        assertEquals("--data s3a://***:***@bucket/cifar: no such file",
                Redaction.hideCredentials("--data s3a://AKIAEXAMPLE:" + SECRET + "@bucket/cifar: no such file"));
        assertEquals("hdfs://namenode:8020/data and wasbs://***:***@account.blob.core.windows.net/x",
                Redaction.hideCredentials("hdfs://namenode:8020/data and wasbs://c:" + SECRET + "@account.blob.core.windows.net/x"));
        assertEquals("/local/path", Redaction.hideCredentials("/local/path"));
    }

    @Test
    void theShippedLogLayoutHidesThemInEveryLine() throws Exception {
        String line = logLine("opening s3a://AKIAEXAMPLE:" + SECRET + "@bucket/cifar-10-batches-bin");
        assertFalse(line.contains(SECRET), line);
        assertTrue(line.contains("s3a://***:***@bucket/cifar-10-batches-bin"), line);
    }

    @Test
    void theShippedLogLayoutHidesSecretSettings() throws Exception {
        for (String message : List.of("spark.authenticate.secret=" + SECRET + " from the properties file",
                "conf (spark.authenticate.secret," + SECRET + ") (spark.app.name,x)",
                "fs.s3a.access.key: " + SECRET)) {
            String line = logLine(message);
            assertFalse(line.contains(SECRET), line);
            assertTrue(line.contains("*****"), line);
        }
        String plain = logLine("epoch 1/5: train_loss=0.41 val_accuracy=0.88");
        assertTrue(plain.contains("epoch 1/5: train_loss=0.41 val_accuracy=0.88"), "other lines stay as they are: " + plain);
    }

    @Test
    void theSubmitScriptsNeverPrintTheSecret() throws Exception {
        Path secretFile = Files.createTempFile("secret", "");
        Files.writeString(secretFile, SECRET + "\n");
        ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("submit/standalone.sh").toString(), "--master",
                "spark://10.0.0.1:7077", "--jar", "job.jar", "--print", "--secret-file", secretFile.toString(),
                "--conf", "spark.authenticate.secret=" + SECRET, "--conf", "spark.hadoop.fs.s3a.secret.key=" + SECRET,
                "train", "--data", "/d").redirectErrorStream(true);
        // a Spark home that need not exist: --print only names its spark-submit (no build output needed)
        pb.environment().put("SPARK_HOME", "/opt/spark");
        pb.environment().remove("SPARK_CONF_DIR");
        Process p = pb.start();
        String printed = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), printed);
        assertFalse(printed.contains(SECRET), printed);
        assertTrue(printed.contains("spark.authenticate=true") && printed.contains("--properties-file"), printed);
        Files.delete(secretFile);
    }

    private static String logLine(String message) throws Exception {
        Properties conf = new Properties();
        try (Reader r = Files.newBufferedReader(ROOT.resolve("conf/log4j2.properties"))) {
            conf.load(r);
        }
        PatternLayout layout = PatternLayout.newBuilder()
                .withPattern(conf.getProperty("appender.console.layout.pattern")).build();
        return layout.toSerializable(Log4jLogEvent.newBuilder().setLoggerName("org.apache.spark.SparkConf")
                .setLevel(Level.INFO).setMessage(new SimpleMessage(message)).build());
    }

    @Test
    void errorsAndTheConfigRecordHideThem() throws Exception {
        String data = "s3a://AKIAEXAMPLE:" + SECRET + "@bucket/cifar";
        assertEquals("s3a://***:***@bucket/cifar", Main.trainConfig("--data", data).asMap().get("data"));

        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        System.setErr(new java.io.PrintStream(err, true));
        try {
            assertEquals(Main.EXIT_BAD_INPUT, Main.run("train", "--data", data, "--epochs", "0"));
            Main.run("train", "--data", data, "--epochs", "zero");
        } finally {
            System.setErr(old);
        }
        assertFalse(err.toString().contains(SECRET), err.toString());
    }

    @Test
    void shippedConfigsAndScriptsHoldNoCredentials() throws Exception {
        // a secret-like key given a literal value (the scripts name such settings, with values from elsewhere)
        Pattern assignment = Pattern.compile(
                "(?i)(secret|password|access[._-]?key|token|credential)[\\w.-]*\\s*[=:\\s]\\s*[A-Za-z0-9+/=_-]{8,}");
        List<String> found;
        try (Stream<Path> files = Stream.of("conf", "submit", "notebooks").flatMap(d -> walk(ROOT.resolve(d)))) {
            found = files.filter(Files::isRegularFile).flatMap(f -> lines(f).stream()
                            .filter(l -> !l.trim().startsWith("#") && assignment.matcher(l).find())
                            .map(l -> ROOT.relativize(f) + ": " + l.trim()))
                    .collect(Collectors.toList());
        }
        assertTrue(found.isEmpty(), "credential-like settings in shipped files: " + found);
    }

    private static Stream<Path> walk(Path dir) {
        try {
            return Files.walk(dir).collect(Collectors.toList()).stream();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> lines(Path f) {
        try {
            return Files.readAllLines(f);
        } catch (java.io.IOException e) {
            return List.of(); // binary files hold no settings
        }
    }
}
