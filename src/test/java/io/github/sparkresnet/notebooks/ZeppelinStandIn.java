package io.github.sparkresnet.notebooks;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The part of Zeppelin's {@code z} (ZeppelinContext) the note uses: {@code textbox} dynamic forms,
 * answered from the test's values (or the form's default), and {@code show}, which records what
 * the note displayed.
 */
public final class ZeppelinStandIn {
    private final Map<String, String> forms;
    private final List<List<Row>> shown = new ArrayList<>();

    public ZeppelinStandIn(Map<String, String> forms) {
        this.forms = forms;
    }

    public Object textbox(String name, String defaultValue) {
        return forms.getOrDefault(name, defaultValue);
    }

    public Object textbox(String name) {
        return textbox(name, "");
    }

    public void show(Dataset<Row> df) {
        shown.add(df.collectAsList());
    }

    public List<List<Row>> shown() {
        return shown;
    }
}
