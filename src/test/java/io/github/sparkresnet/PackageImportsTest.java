package io.github.sparkresnet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Imports point down, as each package-info says: cli and ml → train → averaging → eval/spark/data → model, and the root
 * package's shared failures for all. A class importing upwards fails here, naming the line.
 */
class PackageImportsTest {
    private static final Path SOURCES = Path.of(System.getProperty("project.basedir", "."))
            .resolve("src/main/java/io/github/sparkresnet");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.github\\.sparkresnet\\.([a-z]+)\\.",
            Pattern.MULTILINE);
    /** For each package, the project's packages it may import (besides itself and the root package). */
    private static final Map<String, List<String>> MAY_IMPORT = Map.of(
            "cli", List.of("train", "eval", "spark", "data", "model"),
            "ml", List.of("train", "eval", "spark", "data", "model"),
            "train", List.of("averaging", "eval", "spark", "data", "model"),
            "averaging", List.of("eval", "spark", "data", "model"),
            "eval", List.of("data", "model"),
            "spark", List.of("model"),
            "data", List.of(),
            "model", List.of());

    @Test
    void everyImportPointsDown() throws IOException {
        List<String> upwards = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                Path relative = SOURCES.relativize(f);
                if (relative.getNameCount() < 2) {
                    assertTrue(!IMPORT.matcher(Files.readString(f)).find(), f + ": the root package imports no other");
                    continue;
                }
                String own = relative.getName(0).toString();
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    String imported = m.group(1);
                    if (!imported.equals(own) && !MAY_IMPORT.get(own).contains(imported)) {
                        upwards.add(relative + " imports " + imported);
                    }
                }
            }
        }
        assertTrue(upwards.isEmpty(), "imports against the layering: " + upwards);
    }
}
