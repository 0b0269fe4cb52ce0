package io.github.sparkresnet;

/**
 * A problem with what the user gave us (a file, a path, an option), as opposed to a bug.
 *
 * <p>The message is the whole story for the user: it names the file or option, what was expected
 * and what was found. The command line prints it without a stack trace and exits non-zero, also
 * when it was thrown inside a Spark task and arrives wrapped in a {@code SparkException}.
 */
public class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The first {@code BadInputException} in a cause chain, or null. */
    public static BadInputException findIn(Throwable t) {
        return Causes.first(t, BadInputException.class);
    }
}
