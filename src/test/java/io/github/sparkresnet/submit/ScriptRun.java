package io.github.sparkresnet.submit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A submit/ script run as a child process, output captured to a file (and returned). */
record ScriptRun(int exitCode, String output) {

    static ScriptRun run(Map<String, String> env, long timeoutMinutes, String script, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", StandaloneCluster.ROOT.resolve(script).toString()));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile("submit-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("SPARK_HOME"); // the scripts then use the project's Spark jars
        pb.environment().remove("SPARK_MASTER");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IllegalStateException(script + " did not finish in " + timeoutMinutes + " min:\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        return new ScriptRun(p.exitValue(), out);
    }
}
