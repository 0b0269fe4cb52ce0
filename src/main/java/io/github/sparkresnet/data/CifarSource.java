package io.github.sparkresnet.data;

import io.github.sparkresnet.BadInputException;

import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the CIFAR-10 data is, checked on the driver before any Spark job runs.
 *
 * <p>{@code --data} may name (on any Hadoop file system) the {@code cifar-10-batches-bin} directory
 * itself, a directory that contains it, or the distributed archive {@code cifar-10-binary.tar.gz}.
 * Resolving it lists the six batch files and their sizes and reads the class names, so that a missing,
 * empty or truncated file fails here with a message that names it.
 */
public final class CifarSource implements ImageSource {
    private static final Logger LOG = LoggerFactory.getLogger(CifarSource.class);

    /** A directory of batch files, or one {@code .tar.gz} archive holding them. */
    public enum Kind { DIRECTORY, ARCHIVE }

    private final Kind kind;
    private final String location;
    private final List<BatchFile> files;
    private final List<String> classNames;

    private CifarSource(Kind kind, String location, List<BatchFile> files, List<String> classNames) {
        this.kind = kind;
        this.location = location;
        this.files = List.copyOf(files);
        this.classNames = List.copyOf(classNames);
    }

    public Kind kind() {
        return kind;
    }

    /** The directory holding the batch files, or the archive's path. */
    @Override
    public String location() {
        return location;
    }

    /** The six batch files, train first, in the canonical order. */
    public List<BatchFile> files() {
        return files;
    }

    /** The ten class names in label order, from {@code batches.meta.txt}. */
    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public String kindName() {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public Dataset<Row> read(SparkSession spark) {
        return CifarReader.read(spark, this);
    }

    /** Fixed-size records: every file was checked to hold whole records when resolved. */
    @Override
    public boolean mayHoldUndecodable() {
        return false;
    }

    public static boolean isArchiveName(String name) {
        return name.endsWith(".tar.gz") || name.endsWith(".tgz");
    }

    /** Finds and checks the data at {@code userPath}; every problem is a {@link BadInputException}. */
    public static CifarSource resolve(String userPath, Configuration hadoopConf) {
        Path path = new Path(userPath);
        try {
            FileSystem fs = path.getFileSystem(hadoopConf);
            FileStatus status;
            try {
                status = fs.getFileStatus(path);
            } catch (FileNotFoundException e) {
                throw new BadInputException("--data " + userPath + ": no such file or directory; expected a "
                        + CifarLayout.DIRECTORY + " directory, its parent, or cifar-10-binary.tar.gz");
            }
            Path qualified = status.getPath();
            if (status.isFile()) {
                if (!isArchiveName(qualified.getName())) {
                    throw new BadInputException("--data " + userPath + ": is a file but not a .tar.gz archive; expected a "
                            + CifarLayout.DIRECTORY + " directory, its parent, or cifar-10-binary.tar.gz");
                }
                return scanArchive(fs, qualified);
            }
            Path nested = new Path(qualified, CifarLayout.DIRECTORY);
            if (fs.exists(nested) && fs.getFileStatus(nested).isDirectory()) {
                return scanDirectory(fs, nested);
            }
            return scanDirectory(fs, qualified);
        } catch (org.apache.hadoop.security.AccessControlException e) {
            throw new BadInputException("--data " + userPath + ": permission denied (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new BadInputException("--data " + userPath + ": cannot be read: " + e, e);
        }
    }

    private static CifarSource scanDirectory(FileSystem fs, Path dir) throws IOException {
        Map<String, FileStatus> present = new LinkedHashMap<>();
        for (FileStatus s : fs.listStatus(dir)) {
            if (s.isFile()) {
                present.put(s.getPath().getName(), s);
            }
        }
        if (present.isEmpty()) {
            throw new BadInputException(dir + ": directory is empty; expected the CIFAR-10 batch files "
                    + String.join(", ", allBatchNames()) + " (use prepare-cifar10 or --download)");
        }
        List<BatchFile> files = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String name : allBatchNames()) {
            FileStatus s = present.get(name);
            if (s == null) {
                missing.add(name);
            } else {
                files.add(new BatchFile(name, CifarLayout.splitOf(name), s.getPath().toString(), s.getLen()));
            }
        }
        requireNoneMissing(dir.toString(), missing);
        files.forEach(BatchFile::checkWholeRecords);
        List<String> names;
        FileStatus meta = present.get(CifarLayout.META_FILE);
        if (meta == null) {
            LOG.warn("{}: no {}; using the standard CIFAR-10 class names", dir, CifarLayout.META_FILE);
            names = CifarLayout.DEFAULT_CLASS_NAMES;
        } else {
            try (InputStream in = fs.open(meta.getPath())) {
                names = parseClassNames(meta.getPath().toString(), in);
            }
        }
        return new CifarSource(Kind.DIRECTORY, dir.toString(), files, names);
    }

    private static CifarSource scanArchive(FileSystem fs, Path archive) throws IOException {
        Map<String, BatchFile> found = new LinkedHashMap<>();
        List<String> names = null;
        try (TarArchiveInputStream tar = ArchiveEntries.open(fs.open(archive), archive.toString())) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextTarEntry()) != null) {
                if (!entry.isFile()) {
                    continue;
                }
                String name = ArchiveEntries.baseName(entry.getName());
                if (CifarLayout.splitOf(name) != null) {
                    found.put(name, new BatchFile(name, CifarLayout.splitOf(name),
                            archive + "!" + entry.getName(), entry.getSize()));
                } else if (name.equals(CifarLayout.META_FILE)) {
                    names = parseClassNames(archive + "!" + entry.getName(), tar);
                }
            }
        } catch (IOException e) {
            throw new BadInputException(archive + ": not a readable .tar.gz archive (" + e.getMessage() + ")", e);
        }
        List<BatchFile> files = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String name : allBatchNames()) {
            if (found.containsKey(name)) {
                files.add(found.get(name));
            } else {
                missing.add(name);
            }
        }
        requireNoneMissing(archive.toString(), missing);
        files.forEach(BatchFile::checkWholeRecords);
        if (names == null) {
            LOG.warn("{}: no {} inside; using the standard CIFAR-10 class names", archive, CifarLayout.META_FILE);
            names = CifarLayout.DEFAULT_CLASS_NAMES;
        }
        return new CifarSource(Kind.ARCHIVE, archive.toString(), files, names);
    }

    private static void requireNoneMissing(String where, List<String> missing) {
        if (missing.isEmpty()) {
            return;
        }
        boolean noTrain = missing.containsAll(CifarLayout.TRAIN_FILES);
        boolean noTest = missing.containsAll(CifarLayout.TEST_FILES);
        String what = noTrain && noTest ? "train and test" : noTrain ? "train" : noTest ? "test" : "some";
        throw new BadInputException(where + ": missing " + what + " batch files: " + String.join(", ", missing)
                + "; expected " + String.join(", ", allBatchNames()));
    }

    static List<String> parseClassNames(String where, InputStream in) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        List<String> names = new ArrayList<>();
        String line;
        while ((line = reader.readLine()) != null) {
            if (!line.isBlank()) {
                names.add(line.trim());
            }
        }
        if (names.size() != CifarLayout.NUM_CLASSES) {
            throw new BadInputException(where + ": expected " + CifarLayout.NUM_CLASSES
                    + " class names, one a line; found " + names.size() + ": " + names);
        }
        return names;
    }

    private static List<String> allBatchNames() {
        List<String> all = new ArrayList<>(CifarLayout.TRAIN_FILES);
        all.addAll(CifarLayout.TEST_FILES);
        return all;
    }
}
