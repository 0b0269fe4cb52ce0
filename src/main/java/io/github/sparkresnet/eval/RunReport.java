package io.github.sparkresnet.eval;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Charts of one or more runs' metrics, side by side: loss (train dashed as its own series, val),
 * accuracy and training throughput per epoch, drawn with JFreeChart to PNG files and gathered with a
 * per-epoch table into one self-contained HTML page (the PNGs inlined as data URIs).
 */
public final class RunReport {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 450;

    /** One chart: its file name, title, y-axis label, and which columns it plots (series label -> column). */
    private record Chart(String file, String title, String yLabel, Map<String, String> columns) {
    }

    private static final List<Chart> CHARTS = List.of(
            new Chart("loss.png", "Loss per epoch", "cross-entropy",
                    Map.of("train", "train_loss", "val", "val_loss")),
            new Chart("accuracy.png", "Test accuracy per epoch", "accuracy", Map.of("val", "val_accuracy")),
            new Chart("throughput.png", "Training throughput per epoch", "images / s",
                    Map.of("train", "train_img_per_s")));

    private RunReport() {
    }

    /** Writes the PNGs and {@code report.html} into {@code dir}; {@code runs} maps run id -> its rows by epoch. */
    public static List<Path> write(Map<String, List<Row>> runs, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                + "<title>spark-resnet runs</title><style>body{font-family:sans-serif;margin:2em}"
                + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
                + "text-align:right}</style></head><body>\n<h1>Runs: ")
                .append(escape(String.join(", ", runs.keySet()))).append("</h1>\n");
        for (Chart chart : CHARTS) {
            byte[] png = render(chart, runs);
            Path file = dir.resolve(chart.file());
            Files.write(file, png);
            written.add(file);
            html.append("<h2>").append(escape(chart.title())).append("</h2>\n<img alt=\"")
                    .append(escape(chart.title())).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(png)).append("\">\n");
        }
        for (Map.Entry<String, List<Row>> run : runs.entrySet()) {
            html.append("<h2>").append(escape(run.getKey())).append("</h2>\n<table><tr><th>epoch</th>"
                    + "<th>train_loss</th><th>val_loss</th><th>val_accuracy</th><th>roc_auc</th>"
                    + "<th>train img/s</th><th>epoch s</th><th>learning rate</th></tr>\n");
            for (Row r : run.getValue()) {
                html.append(String.format("<tr><td>%d</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.4f</td>"
                                + "<td>%.1f</td><td>%.0f</td><td>%.2e</td></tr>%n", (int) r.getAs("epoch"),
                        number(r, "train_loss"), number(r, "val_loss"), number(r, "val_accuracy"),
                        number(r, "roc_auc"), number(r, "train_img_per_s"), number(r, "epoch_seconds"),
                        number(r, "learning_rate")));
            }
            html.append("</table>\n");
        }
        html.append("</body></html>\n");
        Path page = dir.resolve("report.html");
        Files.writeString(page, html, StandardCharsets.UTF_8);
        written.add(page);
        return written;
    }

    private static byte[] render(Chart chart, Map<String, List<Row>> runs) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, List<Row>> run : runs.entrySet()) {
            for (Map.Entry<String, String> column : new java.util.TreeMap<>(chart.columns()).entrySet()) {
                String label = chart.columns().size() > 1 ? run.getKey() + " " + column.getKey() : run.getKey();
                XYSeries series = new XYSeries(label);
                for (Row r : run.getValue()) {
                    double v = number(r, column.getValue());
                    if (Double.isFinite(v)) {
                        series.add((int) r.getAs("epoch"), v);
                    }
                }
                data.addSeries(series);
            }
        }
        JFreeChart c = ChartFactory.createXYLineChart(chart.title(), "epoch", chart.yLabel(), data,
                PlotOrientation.VERTICAL, true, false, false);
        org.jfree.chart.plot.XYPlot plot = c.getXYPlot();
        plot.setBackgroundPaint(java.awt.Color.WHITE);
        plot.setDomainGridlinePaint(java.awt.Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(java.awt.Color.LIGHT_GRAY);
        ((org.jfree.chart.axis.NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false); // show the differences
        plot.getDomainAxis().setStandardTickUnits(org.jfree.chart.axis.NumberAxis.createIntegerTickUnits());
        org.jfree.chart.renderer.xy.XYLineAndShapeRenderer lines = new org.jfree.chart.renderer.xy.XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            lines.setSeriesStroke(i, new java.awt.BasicStroke(2f));
        }
        plot.setRenderer(lines);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(png, c, WIDTH, HEIGHT);
        return png.toByteArray();
    }

    private static double number(Row r, String column) {
        Object v = r.getAs(column);
        return v == null ? Double.NaN : ((Number) v).doubleValue();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Rows per run in the order given, for {@link #write}. */
    public static Map<String, List<Row>> of(MetricsTable table, List<String> runIds) {
        Map<String, List<Row>> runs = new LinkedHashMap<>();
        for (String id : runIds) {
            runs.put(id, table.rows(id));
        }
        return runs;
    }
}
