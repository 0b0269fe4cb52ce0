package io.github.sparkresnet;

/** Looks through a cause chain: Spark and Hadoop wrap the exceptions the job reports several layers deep. */
public final class Causes {
    private Causes() {
    }

    /** The first exception of {@code type} in {@code t}'s cause chain ({@code t} included), or null. */
    public static <T extends Throwable> T first(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }
}
