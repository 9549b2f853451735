package io.waymark.discovery;

import java.io.IOException;
import java.util.function.Supplier;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The ACL token: checked where it enters (the builder, {@code CONSUL_HTTP_TOKEN}, each read
 * of a supplier) and put into the {@code X-Consul-Token} header here and nowhere else. OkHttp
 * refuses a header value with a character outside visible ASCII with a message that quotes
 * the value; every such path ends in a {@link TokenException} that never carries it.
 *
 * <p>Threading: thread-safe; the supplier is called on the thread that sends a request.
 */
final class ConsulToken implements Interceptor {

    static final String HEADER = "X-Consul-Token";

    private final Supplier<String> source;
    private final String setting;

    /**
     * @param source read at each request; a null or blank answer sends no token
     * @param setting how messages name the source, e.g. {@code "token supplier"}
     */
    ConsulToken(Supplier<String> source, String setting) {
        this.source = source;
        this.setting = setting;
    }

    /**
     * The token without a leading BOM (token files written by some editors start with one)
     * and surrounding whitespace, or null when nothing is left.
     *
     * @throws IllegalArgumentException naming {@code setting}, never quoting the value, when
     *     a character other than visible ASCII remains
     */
    static String clean(String setting, String raw) {
        if (raw == null) {
            return null;
        }
        int start = 0;
        int end = raw.length();
        while (start < end && trimmable(raw.charAt(start))) {
            start++;
        }
        while (end > start && trimmable(raw.charAt(end - 1))) {
            end--;
        }
        for (int i = start; i < end; i++) {
            char c = raw.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw new IllegalArgumentException(setting + " must be visible ASCII, as Consul tokens are, but has "
                        + Checks.describe(c) + " at index " + (i - start) + " (value not shown)");
            }
        }
        return start == end ? null : raw.substring(start, end);
    }

    private static boolean trimmable(char c) {
        return c == '\uFEFF' || Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    /** The token to send now, or null for none. */
    String current() throws TokenException {
        String raw;
        try {
            raw = source.get();
        } catch (RuntimeException e) {
            // the supplier's own failure, kept as the cause; our message shows nothing of it
            throw new TokenException("the " + setting + " threw " + e.getClass().getName(), e);
        }
        try {
            return clean(setting, raw);
        } catch (IllegalArgumentException e) {
            throw new TokenException(e.getMessage(), null);
        }
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        String token = current();
        if (token == null) {
            return chain.proceed(chain.request());
        }
        Request request;
        try {
            request = chain.request().newBuilder().header(HEADER, token).build();
        } catch (RuntimeException e) {
            // OkHttp's message quotes the value: neither it nor its cause may travel further
            throw new TokenException("the " + setting + " cannot be sent in the " + HEADER
                    + " header (value not shown)", null);
        }
        return chain.proceed(request);
    }

    /** The token could not be sent; the message never contains it. */
    static final class TokenException extends IOException {
        private static final long serialVersionUID = 1L;

        TokenException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
