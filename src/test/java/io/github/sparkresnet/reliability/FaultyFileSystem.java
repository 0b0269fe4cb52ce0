package io.github.sparkresnet.reliability;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * The local disk under the scheme {@code faulty://}, failing once at a chosen point: a real Hadoop
 * {@link org.apache.hadoop.fs.FileSystem} (Spark's Parquet writer, the checkpoints and the run lease
 * all go through it), registered with {@link #register}. A fault is armed for one operation on the
 * first path matching a pattern and fires once; everything else behaves as the local file system.
 */
public final class FaultyFileSystem extends RawLocalFileSystem {
    public static final String SCHEME = "faulty";
    private static final URI ROOT = URI.create(SCHEME + ":///");
    private static final AtomicReference<Fault> ARMED = new AtomicReference<>();
    private static final AtomicReference<String> FIRED = new AtomicReference<>();

    /** Where a write can fail. */
    public enum Operation {
        /** Opening a file for writing is refused. */
        CREATE,
        /** The file is created, then the store fails after its first 64 KB (a full disk, a lost connection). */
        WRITE,
        /** Renaming onto the path is refused. */
        RENAME
    }

    private record Fault(Operation operation, Pattern path) {
    }

    /** Makes {@code faulty://} resolvable through {@code conf}. */
    public static void register(Configuration conf) {
        conf.set("fs." + SCHEME + ".impl", FaultyFileSystem.class.getName());
    }

    /** {@code path} on the local disk as a {@code faulty://} URI string. */
    public static String uri(java.nio.file.Path path) {
        return SCHEME + "://" + path.toAbsolutePath().toUri().getPath();
    }

    /** Fails the next {@code operation} on a path (its URI path) matching {@code regex}. */
    public static void failNext(Operation operation, String regex) {
        FIRED.set(null);
        ARMED.set(new Fault(operation, Pattern.compile(regex)));
    }

    /** Disarms any fault that has not fired. */
    public static void heal() {
        ARMED.set(null);
    }

    /** The path the last fault fired on, or null if it has not fired. */
    public static String fired() {
        return FIRED.get();
    }

    @Override
    public URI getUri() {
        return ROOT;
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    protected OutputStream createOutputStreamWithMode(Path f, boolean append, FsPermission permission) throws IOException {
        injectOnCreate(f);
        return injectOnWrite(f, super.createOutputStreamWithMode(f, append, permission));
    }

    @Override
    protected OutputStream createOutputStream(Path f, boolean append) throws IOException {
        injectOnCreate(f);
        return injectOnWrite(f, super.createOutputStream(f, append));
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        if (fire(Operation.RENAME, dst)) {
            throw new IOException("injected fault: rename of " + src + " to " + dst + " refused");
        }
        return super.rename(src, dst);
    }

    private static void injectOnCreate(Path f) throws IOException {
        if (fire(Operation.CREATE, f)) {
            throw new IOException("injected fault: cannot create " + f);
        }
    }

    private static OutputStream injectOnWrite(Path f, OutputStream out) {
        return fire(Operation.WRITE, f) ? new FailsAfter(out, 64 << 10, f) : out;
    }

    private static boolean fire(Operation operation, Path path) {
        Fault fault = ARMED.get();
        if (fault == null || fault.operation != operation || !fault.path.matcher(path.toUri().getPath()).find()
                || !ARMED.compareAndSet(fault, null)) {
            return false;
        }
        FIRED.set(path.toUri().getPath());
        return true;
    }

    /** Writes the first {@code limit} bytes through, then fails every write: a half-written file stays. */
    private static final class FailsAfter extends FilterOutputStream {
        private final Path path;
        private long left;

        FailsAfter(OutputStream out, long limit, Path path) {
            super(out);
            this.left = limit;
            this.path = path;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int through = (int) Math.min(len, left);
            out.write(b, off, through);
            left -= through;
            if (through < len) {
                out.flush();
                throw new IOException("injected fault: the store failed after " + (64 << 10) + " bytes of " + path);
            }
        }
    }
}
