package io.github.sparkresnet.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.data.ImageColumn;
import io.github.sparkresnet.data.ImageSource;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

/**
 * A DataFrame's labelled images as the training job's {@link ImageSource}: the image column in the
 * network's layout ({@link ImageColumn}), the 0/1 label as the target, rows the validation indicator
 * marks as the held-out split. Class names come from the label column's ML metadata (what a
 * {@code StringIndexer} leaves there), else {@code 0} and {@code 1}.
 */
final class LabelledImages implements ImageSource {
    private static final long serialVersionUID = 1L;
    private final transient Dataset<Row> rows;
    private final List<String> classNames;
    private final String description;

    private LabelledImages(Dataset<Row> rows, List<String> classNames, String description) {
        this.rows = rows;
        this.classNames = List.copyOf(classNames);
        this.description = description;
    }

    /**
     * Checks the columns and the labels (one pass over the label and indicator columns, not the images)
     * and lays the rows out as a source's; one {@link BadInputException} naming the Param otherwise.
     */
    static LabelledImages of(Dataset<Row> data, String featuresCol, String labelCol, String validationIndicatorCol,
                             ImageColumn.Undecodable undecodable) {
        requireLabelColumn(data.schema(), labelCol);
        if (validationIndicatorCol == null) {
            throw new BadInputException("validationIndicatorCol is not set: fit scores the rows it marks true after "
                    + "every epoch instead of training on them (metrics, best epoch, early stopping); expected the "
                    + "name of a boolean column, e.g. withColumn(\"isVal\", rand(7) < 0.2)");
        }
        requireColumn(data.schema(), "validationIndicatorCol", validationIndicatorCol);
        DataType indicatorType = data.schema().apply(validationIndicatorCol).dataType();
        if (!indicatorType.equals(DataTypes.BooleanType)) {
            throw new BadInputException("validationIndicatorCol '" + validationIndicatorCol + "': expected a boolean "
                    + "column; found " + indicatorType.simpleString());
        }
        Column label = col(labelCol);
        Row counts = data.agg(
                functions.count(when(label.isNull().or(label.notEqual(0).and(label.notEqual(1))), lit(1))),
                functions.min(when(label.notEqual(0).and(label.notEqual(1)), label)),
                functions.count(when(col(validationIndicatorCol).isNull(), lit(1)))).first();
        if (counts.getLong(0) > 0) {
            throw new BadInputException("labelCol '" + labelCol + "': " + counts.getLong(0) + " rows are not 0 or 1 ("
                    + (counts.isNullAt(1) ? "null" : "e.g. " + counts.get(1)) + "); expected two classes, labelled 0 "
                    + "and 1 (a StringIndexer on two values gives them)");
        }
        if (counts.getLong(2) > 0) {
            throw new BadInputException("validationIndicatorCol '" + validationIndicatorCol + "': " + counts.getLong(2)
                    + " rows are null; expected true or false in every row");
        }
        Dataset<Row> images = ImageColumn.toCifarLayout(data, featuresCol, "_image", undecodable,
                "Set dropInvalid to true to drop them.");
        List<String> names = classNames(data, labelCol);
        Dataset<Row> rows = images.select(
                when(col(validationIndicatorCol), lit("test")).otherwise(lit("train")).as("split"),
                lit("").as("source_file"), lit(0).as("record_index"), label.cast(DataTypes.IntegerType).as("label"),
                when(label.equalTo(0), lit(names.get(0))).otherwise(lit(names.get(1))).as("label_name"),
                col("_image").as("image"));
        return new LabelledImages(rows, names,
                "the DataFrame's " + featuresCol + " and " + labelCol + " (validation: " + validationIndicatorCol + ")");
    }

    /** The label column is there and numeric: what the estimator's transformSchema and fit both require. */
    static void requireLabelColumn(StructType schema, String labelCol) {
        requireColumn(schema, "labelCol", labelCol);
        DataType labelType = schema.apply(labelCol).dataType();
        if (!(labelType instanceof NumericType)) {
            throw new BadInputException("labelCol '" + labelCol + "': expected a numeric column of 0 and 1 (index "
                    + "string labels with a StringIndexer before this stage); found " + labelType.simpleString());
        }
    }

    private static void requireColumn(StructType schema, String param, String column) {
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new BadInputException(param + " '" + column + "': no such column; the columns are "
                    + String.join(", ", schema.fieldNames()));
        }
    }

    /** The label's two class names from its nominal metadata (a StringIndexer's labels), else "0" and "1". */
    private static List<String> classNames(Dataset<Row> data, String labelCol) {
        Attribute attribute = Attribute.fromStructField(data.schema().apply(labelCol));
        if (attribute instanceof NominalAttribute nominal && nominal.values().isDefined()) {
            String[] values = nominal.values().get();
            if (values.length != 2) {
                throw new BadInputException("labelCol '" + labelCol + "': its metadata names " + values.length
                        + " classes (" + String.join(", ", values) + "); expected two");
            }
            return List.of(values);
        }
        return List.of("0", "1");
    }

    @Override
    public String location() {
        return description;
    }

    @Override
    public String kindName() {
        return "DataFrame";
    }

    /** Its held-out rows are those of the validation indicator column. */
    @Override
    public String scoredSplit() {
        return "validation";
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public Dataset<Row> read(SparkSession spark) {
        return rows;
    }

    /** Undecodable images were failed or dropped when the image column was converted. */
    @Override
    public boolean mayHoldUndecodable() {
        return false;
    }
}
