package io.github.sparkresnet.submit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A submit/ script run as a child process, output captured to a file (and returned). */
public record ScriptRun(int exitCode, String output) {

    public static ScriptRun run(Map<String, String> env, long timeoutMinutes, String script, String... args)
            throws IOException, InterruptedException {
        Running running = start(env, script, args);
        ScriptRun result = running.await(Duration.ofMinutes(timeoutMinutes));
        Files.delete(running.log());
        return result;
    }

    /** Starts {@code script} and returns at once, for tests that act while it runs. */
    public static Running start(Map<String, String> env, String script, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", StandaloneCluster.ROOT.resolve(script).toString()));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile("submit-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("SPARK_HOME"); // the scripts then use the project's Spark jars
        pb.environment().remove("SPARK_MASTER");
        pb.environment().putAll(env);
        return new Running(pb.start(), log);
    }

    /** A script still running: its process and its output so far. */
    public record Running(Process process, Path log) {

        public String output() throws IOException {
            return Files.readString(log, StandardCharsets.UTF_8);
        }

        /** Waits until the output satisfies {@code condition}; fails if the script ends or time runs out first. */
        public void awaitOutput(Predicate<String> condition, Duration timeout, String what)
                throws IOException, InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!condition.test(output())) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the script ended (exit " + process.exitValue() + ") before "
                            + what + ":\n" + output());
                }
                if (System.nanoTime() > deadline) {
                    kill();
                    throw new IllegalStateException("no " + what + " within " + timeout + ":\n" + output());
                }
                Thread.sleep(200);
            }
        }

        /** Kills the script and everything it started, as {@code kill -9} would. */
        public void kill() throws InterruptedException {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
        }

        public ScriptRun await(Duration timeout) throws IOException, InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
                throw new IllegalStateException("the script did not finish in " + timeout + ":\n" + output());
            }
            return new ScriptRun(process.exitValue(), output());
        }
    }
}
