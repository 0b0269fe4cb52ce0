package io.github.sparkresnet.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.data.RealCifar;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the README's commands honest: every {@code submit/} command in its {@code bash} code blocks
 * runs as far as it can offline and exits 0. Cluster scripts run with {@code --print} (their options
 * parsed and checked, the spark-submit command built); {@code run-local.sh} runs with
 * {@code --dry-run} on the real data (every train option checked, the data loaded and counted), its
 * {@code DIR} and {@code runs/} placeholders pointed at the data and a temporary directory.
 */
class ReadmeCommandsIT {
    private static final Pattern BASH_BLOCK = Pattern.compile("```bash\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path out;

    @Test
    void everySubmitCommandInTheReadmeRuns() throws Exception {
        List<List<String>> commands = commands(Files.readString(StandaloneCluster.ROOT.resolve("README.md")));
        assertTrue(commands.size() >= 5, "the README's submit commands: " + commands);
        String data = RealCifar.dir().getParent().toString(); // the README's DIR: a directory holding the data
        for (List<String> command : commands) {
            List<String> args = new ArrayList<>();
            for (String word : command.subList(1, command.size())) {
                args.add(switch (word) {
                    case "DIR" -> data;
                    case "runs/" -> out.toString();
                    default -> word;
                });
            }
            if (command.get(0).equals("submit/run-local.sh")) {
                args.add("--dry-run");
            } else {
                args.add(0, "--print");
            }
            ScriptRun run = ScriptRun.run(Map.of("DRIVER_MEMORY_GB", "2", "OFFHEAP_GB", "2"), 5, command.get(0),
                    args.toArray(new String[0]));
            assertEquals(0, run.exitCode(), String.join(" ", command) + "\n" + run.output());
        }
    }

    /** The submit/ commands of the bash blocks, continuation lines joined, comments dropped. */
    static List<List<String>> commands(String readme) {
        List<List<String>> commands = new ArrayList<>();
        Matcher block = BASH_BLOCK.matcher(readme);
        while (block.find()) {
            String joined = block.group(1).replaceAll("\\\\\\n\\s*", " ");
            for (String line : joined.split("\\n")) {
                String command = line.replaceAll("\\s+#.*$", "").trim();
                if (command.startsWith("submit/")) {
                    commands.add(List.of(command.split("\\s+")));
                }
            }
        }
        return commands;
    }
}
