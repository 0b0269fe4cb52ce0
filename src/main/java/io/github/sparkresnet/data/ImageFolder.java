package io.github.sparkresnet.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.substring_index;
import static org.apache.spark.sql.functions.when;

import io.github.sparkresnet.BadInputException;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A user's own images ({@code --images DIR}): one sub-folder per class, named by the class, holding
 * its image files at any depth (torchvision's {@code ImageFolder} and Keras'
 * {@code image_dataset_from_directory} layout). Class labels are the sub-folders in name order.
 *
 * <p>The held-out split is {@code DIR/train} and {@code DIR/test} when both exist (each with the same
 * class sub-folders); otherwise each image is held out by a hash of its file name and
 * {@code --split-seed}, a {@code --test-fraction} of each class in expectation: the same images every
 * run, on any cluster, however Spark partitions the files, and wherever the folder is moved.
 *
 * <p>Resolving lists the folders on the driver, so a missing folder, a single class or an empty one
 * fails before any Spark job with a message naming it. The files are decoded on the executors as
 * Spark's image source decodes them (JPEG, PNG, GIF, BMP, ...) and resized to 32×32 RGB there
 * ({@link ImagePixels#decode}); a file that is no decodable image reads as a null image, which
 * {@link ImageColumn#requireDecoded} reports.
 */
public final class ImageFolder implements ImageSource {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ImageFolder.class);

    /** One class folder of one split (split null: split by hash). */
    private record ClassFolder(String split, int label, String name, String path) implements java.io.Serializable {
    }

    private final String location;
    private final List<String> classNames;
    private final List<ClassFolder> folders;
    private final double testFraction;
    private final long splitSeed;

    private ImageFolder(String location, List<String> classNames, List<ClassFolder> folders, double testFraction,
                        long splitSeed) {
        this.location = location;
        this.classNames = List.copyOf(classNames);
        this.folders = List.copyOf(folders);
        this.testFraction = testFraction;
        this.splitSeed = splitSeed;
    }

    /**
     * Finds and checks the class folders under {@code dir}; every problem is a
     * {@link BadInputException} naming {@code --images} and the folder.
     */
    public static ImageFolder resolve(String dir, double testFraction, long splitSeed, Configuration hadoopConf) {
        Path root = new Path(dir);
        try {
            FileSystem fs = root.getFileSystem(hadoopConf);
            FileStatus status;
            try {
                status = fs.getFileStatus(root);
            } catch (FileNotFoundException e) {
                throw new BadInputException("--images " + dir + ": no such directory; expected a folder with one "
                        + "sub-folder of images per class");
            }
            if (!status.isDirectory()) {
                throw new BadInputException("--images " + dir + ": is a file; expected a folder with one sub-folder "
                        + "of images per class");
            }
            Path qualified = status.getPath();
            Path train = new Path(qualified, "train");
            Path test = new Path(qualified, "test");
            if (isDirectory(fs, train) && isDirectory(fs, test)) {
                List<String> trainClasses = classFolders(fs, train, dir + "/train");
                List<String> testClasses = classFolders(fs, test, dir + "/test");
                if (!trainClasses.equals(testClasses)) {
                    throw new BadInputException("--images " + dir + ": train has the class folders " + trainClasses
                            + " and test " + testClasses + "; expected the same classes in both");
                }
                List<ClassFolder> folders = new ArrayList<>();
                addFolders(fs, folders, "train", train, trainClasses, dir + "/train");
                addFolders(fs, folders, "test", test, testClasses, dir + "/test");
                return new ImageFolder(qualified.toString(), trainClasses, folders, testFraction, splitSeed);
            }
            List<String> classes = classFolders(fs, qualified, dir);
            List<ClassFolder> folders = new ArrayList<>();
            addFolders(fs, folders, null, qualified, classes, dir);
            return new ImageFolder(qualified.toString(), classes, folders, testFraction, splitSeed);
        } catch (org.apache.hadoop.security.AccessControlException e) {
            throw new BadInputException("--images " + dir + ": permission denied (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new BadInputException("--images " + dir + ": cannot be read: " + e, e);
        }
    }

    private static boolean isDirectory(FileSystem fs, Path p) throws IOException {
        return fs.exists(p) && fs.getFileStatus(p).isDirectory();
    }

    /** The visible sub-folders' names, sorted: the classes in label order. */
    private static List<String> classFolders(FileSystem fs, Path dir, String shown) throws IOException {
        List<String> names = new ArrayList<>();
        int files = 0;
        for (FileStatus s : fs.listStatus(dir)) {
            if (hidden(s.getPath())) {
                continue;
            }
            if (s.isDirectory()) {
                names.add(s.getPath().getName());
            } else {
                files++;
            }
        }
        names.sort(null);
        if (names.size() < 2) {
            throw new BadInputException("--images " + shown + ": found " + names.size() + " class sub-folder"
                    + (names.size() == 1 ? " (" + names.get(0) + ")" : "s") + "; expected one sub-folder of images "
                    + "per class, at least two");
        }
        if (files > 0) {
            LOG.warn("--images {}: {} files beside the class sub-folders are not in any class; ignored", shown, files);
        }
        return names;
    }

    private static void addFolders(FileSystem fs, List<ClassFolder> into, String split, Path dir, List<String> classes,
                                   String shown) throws IOException {
        for (int label = 0; label < classes.size(); label++) {
            Path folder = new Path(dir, classes.get(label));
            if (!hasVisibleFile(fs, folder)) {
                throw new BadInputException("--images " + shown + "/" + classes.get(label) + ": class '"
                        + classes.get(label) + "' holds no image files; expected its images (at any depth)");
            }
            into.add(new ClassFolder(split, label, classes.get(label), folder.toString()));
        }
    }

    private static boolean hasVisibleFile(FileSystem fs, Path folder) throws IOException {
        RemoteIterator<LocatedFileStatus> files = fs.listFiles(folder, true);
        while (files.hasNext()) {
            if (!hidden(files.next().getPath())) {
                return true;
            }
        }
        return false;
    }

    /** Names Spark's file sources skip too ({@code .} and {@code _} prefixes). */
    private static boolean hidden(Path p) {
        String name = p.getName();
        return name.startsWith(".") || name.startsWith("_");
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public String kindName() {
        return "image folder" + (folders.get(0).split() == null
                ? String.format(Locale.ROOT, ", test split %.2f by file name (seed %d)", testFraction, splitSeed)
                : ", train/ and test/");
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    /**
     * One scan per class folder, labelled by the folder: a class pair's filter on {@code label} prunes
     * the other classes' scans, so only the pair's files are read. Files are read as bytes (Spark's
     * {@code binaryFile} source) and decoded on the executors by {@link ImagePixels#decode}.
     */
    @Override
    public Dataset<Row> read(SparkSession spark) {
        Dataset<Row> all = null;
        for (ClassFolder folder : folders) {
            Dataset<Row> files = spark.read().format("binaryFile").option("recursiveFileLookup", true)
                    .load(folder.path());
            Column path = col("path");
            Column split = folder.split() != null ? lit(folder.split())
                    : when(HeldOut.by(substring_index(path, "/", -1), splitSeed, testFraction), lit("test"))
                            .otherwise(lit("train"));
            Dataset<Row> rows = files.select(split.as("split"), path.as("source_file"), lit(0).as("record_index"),
                    lit(folder.label()).as("label"), lit(folder.name()).as("label_name"),
                    DECODED.apply(path, col("content")).as("image"));
            all = all == null ? rows : all.union(rows);
        }
        return all;
    }

    /** A file's bytes as 32×32 planar RGB; null for a file that is no decodable image. */
    private static final UserDefinedFunction DECODED = functions.udf((UDF2<String, byte[], byte[]>) ImagePixels::decode,
            DataTypes.BinaryType);
}
