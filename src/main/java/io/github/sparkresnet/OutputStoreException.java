package io.github.sparkresnet;

/**
 * The output file system failed while a run wrote its metrics, checkpoints or models (a full disk, a
 * lost connection, a refused rename). Not a bug and not bad input: what was committed before stays
 * valid, nothing half-written is visible, and {@code --resume} continues once the store works again.
 * The command line prints the message as one {@code error:} line and exits with its own code.
 */
public class OutputStoreException extends RuntimeException {
    public OutputStoreException(String what, Throwable cause) {
        super(what + " failed: " + rootMessage(cause), cause);
    }

    /** The first {@code OutputStoreException} in a cause chain, or null. */
    public static OutputStoreException findIn(Throwable t) {
        return Causes.first(t, OutputStoreException.class);
    }


    /** The innermost cause's message: Spark and Hadoop wrap the store's own words several layers deep. */
    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message.lines().findFirst().orElse(""));
    }
}
