package io.github.sparkresnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.eval.MetricsRows;
import io.github.sparkresnet.eval.MetricsTable;
import io.github.sparkresnet.spark.TestSpark;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {
    @TempDir
    Path tmp;

    @Test
    void chartsTwoRunsSideBySideAsPngsAndOneSelfContainedPage() throws Exception {
        MetricsTable table = new MetricsTable(TestSpark.get(), tmp.resolve("runs").toString());
        table.write(MetricsRows.row("baseline", 1, 2));
        table.write(MetricsRows.row("baseline", 2, 3));
        table.write(MetricsRows.row("augmented", 1, 3));
        table.write(MetricsRows.row("augmented", 2, 4));
        table.write(MetricsRows.row("augmented", 3, 4));
        Path to = tmp.resolve("report");

        CommandLineRunner r = CommandLineRunner.run("report", "--output", tmp.resolve("runs").toString(),
                "--run-id", "baseline", "--run-id", "augmented", "--to", to.toString());

        assertEquals(0, r.exitCode(), r.err());
        for (String png : new String[] {"loss.png", "accuracy.png", "throughput.png"}) {
            BufferedImage image = ImageIO.read(to.resolve(png).toFile());
            assertEquals(800, image.getWidth(), png);
            assertEquals(450, image.getHeight(), png);
        }
        String html = Files.readString(to.resolve("report.html"));
        assertEquals(3, html.split("src=\"data:image/png;base64,", -1).length - 1, "three charts inlined");
        assertTrue(html.contains("<h2>baseline</h2>") && html.contains("<h2>augmented</h2>"), html);
        assertEquals(5, html.split("<tr><td>", -1).length - 1, "one table row per epoch of each run");
        assertTrue(html.contains("<td>0.5000</td>") && html.contains("<td>1.0000</td>"), "accuracies 2/4 and 4/4");

        CommandLineRunner missing = CommandLineRunner.run("report", "--output", tmp.resolve("runs").toString(),
                "--run-id", "nope", "--to", to.toString());
        assertEquals(Main.EXIT_BAD_INPUT, missing.exitCode());
        assertTrue(missing.err().contains("--run-id nope: no metrics under"), missing.err());
    }
}
