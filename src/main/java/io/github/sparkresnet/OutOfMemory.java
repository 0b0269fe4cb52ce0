package io.github.sparkresnet;

/**
 * Recognizes running out of memory (the heap, or JavaCPP's {@code maxphysicalbytes}) in a failure,
 * also when it happened on an executor and arrives only as the text of a {@code SparkException}: the
 * one failure a retry cannot cure, reported to the user with what to raise.
 */
public final class OutOfMemory {
    private static final String ERROR = "java.lang.OutOfMemoryError";

    private OutOfMemory() {
    }

    /** The out-of-memory message in a failure's causes, or null if the failure is something else. */
    public static String findIn(Throwable t) {
        for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
            if (c instanceof OutOfMemoryError) {
                return c.getMessage();
            }
            String m = c.getMessage();
            int at = m == null ? -1 : m.indexOf(ERROR);
            if (at >= 0) {
                return m.substring(at + ERROR.length()).replaceFirst("^:\\s*", "").lines().findFirst().orElse("").trim();
            }
        }
        return null;
    }
}
