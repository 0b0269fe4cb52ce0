package io.github.sparkresnet.data;

import static org.apache.spark.sql.functions.col;

import io.github.sparkresnet.BadInputException;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DataFrame's image column as the network's input: CIFAR-10's 3072 bytes of 32×32 planar RGB
 * ({@link ImagePixels}), converted on the executors. The column may hold Spark's image struct
 * ({@code spark.read.format("image")}: origin, height, width, nChannels, mode, data) or already
 * that byte layout (the job's CIFAR-10 DataFrame, {@link CifarReader}).
 *
 * <p>Rows Spark's image source could not decode (height -1) fail the conversion with one message
 * naming the first such file and how many there are, or, when the caller chose so, are dropped with
 * one log line saying how many.
 */
public final class ImageColumn {
    private static final Logger LOG = LoggerFactory.getLogger(ImageColumn.class);
    /** The fields of Spark's image struct this reads. */
    private static final List<String> IMAGE_FIELDS = List.of("origin", "height", "width", "nChannels", "data");
    private static final int BYTES = 3 * ImagePixels.SIDE * ImagePixels.SIDE;

    /** What to do with rows that hold no decodable image. */
    public enum Undecodable { FAIL, DROP }

    private ImageColumn() {
    }

    /**
     * {@code rows} with column {@code out} holding column {@code in}'s images in CIFAR-10's layout
     * (replacing {@code out} if it exists). Undecodable rows: see {@link Undecodable};
     * {@code dropHint} tells the user how to choose dropping them (an option or a Param), in the error.
     */
    public static Dataset<Row> toCifarLayout(Dataset<Row> rows, String in, String out, Undecodable undecodable,
                                             String dropHint) {
        DataType type = typeOf(rows, in);
        if (type.equals(DataTypes.BinaryType)) {
            return rows.withColumn(out, checkedBinary(col(in)));
        }
        Column undecodableRow = col(in + ".height").leq(0);
        Row bad = countAndFirst(rows, undecodableRow, col(in + ".origin"));
        long count = bad.getLong(0);
        if (count > 0) {
            String first = bad.getString(1);
            if (undecodable == Undecodable.FAIL) {
                throw new BadInputException(count + " of the images in column '" + in + "' could not be decoded, the "
                        + "first " + first + "; expected images Spark's image source reads (JPEG, PNG, GIF, BMP, ...). "
                        + dropHint);
            }
            LOG.warn("dropped {} images in column '{}' that could not be decoded (the first: {})", count, in, first);
            rows = rows.filter(functions.not(undecodableRow));
        }
        return rows.withColumn(out, FROM_IMAGE_STRUCT.apply(col(in)));
    }

    /**
     * {@code rows} ({@code source}'s rows) to go on with, after failing with one message naming how many
     * of their images could not be decoded and the first of their files, when any could not. When the
     * source may hold such files that takes one pass over the rows, so they are cached (unless they
     * are already) for what follows to read them once; otherwise nothing is read. {@code shown} names
     * the source in the message.
     */
    public static Dataset<Row> requireDecoded(Dataset<Row> rows, ImageSource source, String shown) {
        if (!source.mayHoldUndecodable()) {
            return rows;
        }
        Dataset<Row> checked = rows.storageLevel().equals(StorageLevel.NONE()) ? rows.cache() : rows;
        Row bad = countAndFirst(checked, col("image").isNull(), col("source_file"));
        long count = bad.getLong(0);
        if (count > 0) {
            throw new BadInputException(shown + ": " + count + " file" + (count == 1 ? "" : "s")
                    + " could not be decoded as an image, the first " + bad.getString(1) + "; expected images Spark's "
                    + "image source reads (JPEG, PNG, GIF, BMP, ...)");
        }
        return checked;
    }

    /** How many rows are {@code bad}, and the first of them by {@code name}: one pass. */
    private static Row countAndFirst(Dataset<Row> rows, Column bad, Column name) {
        return rows.filter(bad).agg(functions.count(functions.lit(1)), functions.min(name)).first();
    }

    private static DataType typeOf(Dataset<Row> rows, String in) {
        if (!Arrays.asList(rows.columns()).contains(in)) {
            throw new BadInputException("image column '" + in + "': no such column; the columns are "
                    + String.join(", ", rows.columns()));
        }
        DataType type = rows.schema().apply(in).dataType();
        boolean imageStruct = type instanceof StructType struct
                && Arrays.asList(struct.fieldNames()).containsAll(IMAGE_FIELDS);
        if (!imageStruct && !type.equals(DataTypes.BinaryType)) {
            throw new BadInputException("image column '" + in + "': expected Spark's image struct (spark.read.format"
                    + "(\"image\")) or binary 32x32 planar RGB (CIFAR-10's layout); found " + type.simpleString());
        }
        return type;
    }

    private static final UserDefinedFunction FROM_IMAGE_STRUCT = functions.udf((UDF1<Row, byte[]>) image ->
            ImagePixels.toCifarLayout(image.getAs("origin"), image.<Integer>getAs("height"),
                    image.<Integer>getAs("width"), image.<Integer>getAs("nChannels"), image.getAs("data")),
            DataTypes.BinaryType).asNonNullable();

    private static Column checkedBinary(Column bytes) {
        return CHECKED_BINARY.apply(bytes);
    }

    private static final UserDefinedFunction CHECKED_BINARY = functions.udf((UDF1<byte[], byte[]>) bytes -> {
        if (bytes == null || bytes.length != BYTES) {
            throw new BadInputException("an image of " + (bytes == null ? "no" : Integer.toString(bytes.length))
                    + " bytes: expected " + BYTES + " (32x32 planar RGB, CIFAR-10's layout)");
        }
        return bytes;
    }, DataTypes.BinaryType);
}
