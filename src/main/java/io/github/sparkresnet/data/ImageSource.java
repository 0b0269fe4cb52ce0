package io.github.sparkresnet.data;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Where a run's labelled images come from, checked on the driver before any Spark job: CIFAR-10's
 * binary files ({@link CifarSource}) or a folder of image files, one sub-folder per class
 * ({@link ImageFolder}). Every source reads into the same rows ({@link CifarReader#SCHEMA}: split,
 * source_file, record_index, label, label_name, image as 32×32 planar RGB), so the class pair, the
 * minibatches, training, scoring and prediction never ask which one it was.
 */
public interface ImageSource extends Serializable {

    /** Where the images are, for messages and the dry-run plan. */
    String location();

    /** What kind of source it is, in a word or two (e.g. "directory", "archive", "image folder"). */
    String kindName();

    /** The class names in label order. */
    List<String> classNames();

    /**
     * Every image, one row each in {@link CifarReader#SCHEMA}'s columns; {@code image} is null for a
     * file that is no decodable image ({@link ImageColumn#requireDecoded} names them).
     */
    Dataset<Row> read(SparkSession spark);

    /** What its {@code test} rows are to the metrics table ({@code val_split}): the test split, unless a source says otherwise. */
    default String scoredSplit() {
        return "test";
    }

    /**
     * Whether {@link #read} can give a null image, so a reader must check ({@link ImageColumn#requireDecoded});
     * not for sources whose every record was checked when they were resolved.
     */
    default boolean mayHoldUndecodable() {
        return true;
    }
}
