package io.waymark.jdbc.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Masks secrets (passwords, ACL tokens) in URLs and messages before they reach a message, a log
 * line or {@code toString()}, and clips what is echoed of user input.
 *
 * <p>What {@link #maskUrl} masks:
 * <ul>
 *   <li>everything between the {@code //} and the last {@code @} of the authority (user and
 *       password, whatever characters the password has). The authority ends at the first
 *       {@code ?} or {@code #} after the {@code //}; a {@code @} after that still ends a
 *       {@code user:password@} unless it stands in a {@code name=value} parameter (so that an
 *       {@code @} in, say, {@code user=app@server} is left alone); and when what stands between
 *       the {@code //} and the first {@code /}, {@code ?} or {@code #} is not a plain
 *       {@code host[:port]}, all of it up to the last {@code @} is masked too. What cannot be
 *       told from a valid URL is read as the URL it is: a user (without {@code :password}) or a
 *       password of digits followed by a raw {@code ?name=} ({@code //app?x=y@host},
 *       {@code //app:12?x=y@host}) are a host, a port and a parameter;</li>
 *   <li>the same inside parameter values that are URLs ({@code consul.agent=https://u:pw@h});</li>
 *   <li>the value of every parameter whose name, percent-decoded, contains {@code password},
 *       {@code passwd}, {@code pwd}, {@code token} or {@code secret}, up to the next {@code &}
 *       (MySQL URLs separate parameters by {@code &} only: a {@code ;} belongs to the value).</li>
 * </ul>
 *
 * <p><b>Threading:</b> stateless.
 */
public final class Secrets {

    static final String MASK = "****";
    /** How much of a value a message echoes. */
    static final int ECHO = 100;

    private static final Pattern PLAIN_AUTHORITY = Pattern.compile(
            "(?:[A-Za-z0-9_.,-]*|\\[[0-9A-Za-z:.%]*\\])(?::[0-9]{0,5})?");
    private static final Pattern PARAMETER = Pattern.compile("[A-Za-z0-9_.%+-]+=.*", Pattern.DOTALL);

    private Secrets() {
    }

    /** True when a parameter of this name (percent-decoded first) carries a secret. */
    public static boolean isSecretKey(String key) {
        String k = decodeLeniently(key).toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("passwd") || k.contains("pwd") || k.contains("token")
                || k.contains("secret");
    }

    /** The URL with every secret masked (see the class description). Null-safe. */
    public static String maskUrl(String url) {
        if (url == null) {
            return "null";
        }
        List<int[]> masked = new ArrayList<>();
        int slashes = url.indexOf("//");
        int from = 0;
        if (slashes >= 0) {
            int start = slashes + 2;
            int end = userInfoEnd(url, start);
            if (end > start) {
                masked.add(new int[] {start, end});
            }
            from = Math.max(start, end);
            // credentials of URLs inside parameter values, up to the value's end
            for (int s = url.indexOf("//", from); s >= 0; s = url.indexOf("//", s + 2)) {
                int valueEnd = indexOf(url, "&", s + 2);
                int at = url.lastIndexOf('@', valueEnd - 1);
                if (at > s + 2) {
                    masked.add(new int[] {s + 2, at});
                }
            }
        }
        maskSecretParameters(url, masked);
        return apply(url, masked);
    }

    /** A parameter value fit for a message: masked when the key names a secret, else clipped. */
    public static String maskValue(String key, String value) {
        return isSecretKey(key) ? MASK : clip(value);
    }

    /**
     * {@code text} with every occurrence of {@code secret} masked, for messages of other code
     * (discovery, HTTP clients) that may echo a token. Null-safe in both arguments.
     */
    static String redact(String text, String secret) {
        if (text == null || secret == null || secret.isEmpty()) {
            return text;
        }
        return text.replace(secret, MASK);
    }

    /**
     * {@code t}, or, when a message anywhere in its chain (causes, suppressed) shows
     * {@code secret}, a copy of the chain with it masked and the same stack traces: for exceptions
     * of other code chained to ours.
     */
    static Throwable redact(Throwable t, String secret) {
        return t == null || secret == null || secret.isEmpty() || !shows(t, secret, 0) ? t : new Redacted(t, secret, 0);
    }

    private static boolean shows(Throwable t, String secret, int depth) {
        if (t == null || depth > 10) {
            return false;
        }
        if (String.valueOf(t.getMessage()).contains(secret) || shows(t.getCause() == t ? null : t.getCause(), secret,
                depth + 1)) {
            return true;
        }
        for (Throwable s : t.getSuppressed()) {
            if (shows(s, secret, depth + 1)) {
                return true;
            }
        }
        return false;
    }

    /** A stand-in for an exception whose message showed a secret: its class name, masked message and stack. */
    private static final class Redacted extends Exception {
        private static final long serialVersionUID = 1L;

        Redacted(Throwable original, String secret, int depth) {
            super(original.getClass().getName() + ": " + redact(original.getMessage(), secret),
                    original.getCause() == null || original.getCause() == original || depth >= 10 ? null
                            : new Redacted(original.getCause(), secret, depth + 1), true, true);
            setStackTrace(original.getStackTrace());
            for (Throwable s : original.getSuppressed()) {
                if (depth < 10) {
                    addSuppressed(new Redacted(s, secret, depth + 1));
                }
            }
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }

    /** At most {@value #ECHO} characters of {@code value}, saying how long it was when longer. */
    static String clip(String value) {
        if (value == null || value.length() <= ECHO) {
            return value;
        }
        return value.substring(0, ECHO) + "... (" + value.length() + " characters)";
    }

    /**
     * The end (exclusive) of the range after {@code start} (just past {@code //}) to mask as user
     * information, or {@code start} when there is none.
     */
    private static int userInfoEnd(String url, int start) {
        int queryOrFragment = indexOfAny(url, "?#", start);
        // a '?' or '#' inside the password: an '@' further on that is not in a name=value parameter
        int at = Math.max(url.lastIndexOf('@', queryOrFragment - 1), lastAtOutsideParameters(url, queryOrFragment));
        if (at >= start) {
            return at;
        }
        int authorityEnd = indexOfAny(url, "/?#", start);
        if (!PLAIN_AUTHORITY.matcher(url.substring(start, authorityEnd)).matches()) {
            // not host[:port]: a mangled user:password@, or a bad host; either way not echoed
            return Math.max(authorityEnd, url.lastIndexOf('@'));
        }
        return start;
    }

    /**
     * The last {@code @} at or after {@code from} that does not stand in the value of a
     * {@code name=value} parameter, or -1: such an {@code @} ends a {@code user:password@} whose
     * password holds a raw {@code ?} or {@code #}.
     */
    static int lastAtOutsideParameters(String url, int from) {
        int last = -1;
        // a fragment has no parameters: past a '#', every '@' counts
        int fragment = url.indexOf('#', from);
        for (int k = url.indexOf('@', from); k >= 0; k = url.indexOf('@', k + 1)) {
            int segment = Math.max(url.lastIndexOf('?', k), url.lastIndexOf('&', k));
            if ((fragment >= 0 && k > fragment) || !PARAMETER.matcher(url.substring(segment + 1, k)).matches()) {
                last = k;
            }
        }
        return last;
    }

    private static void maskSecretParameters(String url, List<int[]> masked) {
        int n = url.length();
        for (int i = 0; i < n; i++) {
            char c = url.charAt(i);
            if (c != '?' && c != '&' && c != ';') {
                continue;
            }
            int eq = indexOfAny(url, "=&?;#", i + 1);
            if (eq < n && url.charAt(eq) == '=' && isSecretKey(url.substring(i + 1, eq))) {
                int end = indexOf(url, "&", eq + 1);
                masked.add(new int[] {eq + 1, end});
                i = end - 1;
            }
        }
    }

    /** {@code url} with the ranges (merged where they overlap) replaced by the mask. */
    private static String apply(String url, List<int[]> ranges) {
        if (ranges.isEmpty()) {
            return url;
        }
        ranges.sort((x, y) -> Integer.compare(x[0], y[0]));
        StringBuilder sb = new StringBuilder(url.length());
        int pos = 0;
        for (int[] r : ranges) {
            if (r[1] <= pos) {
                continue;
            }
            if (r[0] >= pos) {
                sb.append(url, pos, r[0]).append(MASK);
            }
            pos = r[1];
        }
        return sb.append(url, Math.min(pos, url.length()), url.length()).toString();
    }

    private static int indexOf(String s, String c, int from) {
        int i = s.indexOf(c, from);
        return i < 0 ? s.length() : i;
    }

    private static int indexOfAny(String s, String chars, int from) {
        for (int i = Math.max(0, from); i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return s.length();
    }

    /** Percent-decoding that leaves malformed escapes as they are (for matching names, never for values). */
    static String decodeLeniently(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int hi = c == '%' && i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
            int lo = hi >= 0 ? Character.digit(s.charAt(i + 2), 16) : -1;
            if (lo >= 0) {
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
