package io.github.sparkresnet;

import java.util.regex.Pattern;

/**
 * Hides credentials written into a URI's user-info ({@code s3a://KEY:SECRET@bucket/path}) before a
 * path reaches a log line, an error message, a checkpoint's description or the dry-run plan. Keys
 * belong in Hadoop's credential providers, not in paths (docs/reliability.md: Credentials); this is the net for
 * when someone puts them there anyway. conf/log4j2.properties applies the same pattern to every log
 * line, Spark's and Hadoop's included.
 */
public final class Redaction {
    /** scheme://user:secret@ — user-info with a password part. */
    static final Pattern USER_INFO = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)[^/@\\s]*:[^/@\\s]*@");

    private Redaction() {
    }

    public static String hideCredentials(String text) {
        return text == null ? null : USER_INFO.matcher(text).replaceAll("$1***:***@");
    }
}
