package io.waymark.discovery;

import java.io.IOException;
import java.util.Objects;
import java.util.function.Supplier;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ACL token: checked where it enters (the builder, {@code CONSUL_HTTP_TOKEN}, each read
 * of a supplier) and put into the {@code X-Consul-Token} header here and nowhere else. OkHttp
 * refuses a header value with a character outside visible ASCII with a message that quotes
 * the value; every such path ends in a {@link TokenException} that never carries it.
 *
 * <p>Rotation: a supplier is asked at each request, a {@link TokenFile} looks at its file at
 * each request. When the agent answers 403 (the token was deleted, or lacks a permission)
 * and the source now gives another token, for a file after reading it anew, the request is
 * sent again at once with the new one: the 403 says Consul refused it before doing anything,
 * and a blocking query that was in flight when the old token was deleted is re-issued
 * without its watch ever failing, going stale or backing off. Once per refused token: a new
 * token refused too is the answer.
 *
 * <p>Threading: thread-safe; the supplier is called on the thread that sends a request.
 */
final class ConsulToken implements Interceptor {

    static final String HEADER = "X-Consul-Token";

    private static final Logger LOG = LoggerFactory.getLogger(ConsulToken.class);

    private final Supplier<String> source;
    private final @Nullable TokenFile file;
    private final String setting;

    /**
     * @param source read at each request; a null or blank answer sends no token
     * @param setting how messages name the source, e.g. {@code "token supplier"}
     */
    ConsulToken(Supplier<String> source, String setting) {
        this.source = source;
        this.file = source instanceof TokenFile ? (TokenFile) source : null;
        this.setting = setting;
    }

    /**
     * A fixed token, {@link #clean cleaned}.
     *
     * @throws IllegalArgumentException naming {@code setting}, never quoting the value, when it
     *     is blank or has a character other than visible ASCII
     */
    static ConsulToken fixed(String setting, String token) {
        Objects.requireNonNull(token, setting);
        String clean = clean(setting, token);
        Checks.requireArgument(clean != null, setting + " must not be blank");
        return new ConsulToken(() -> clean, setting);
    }

    /** The token of {@code file}, re-read when the file changes. */
    static ConsulToken of(TokenFile file, String setting) {
        return new ConsulToken(file, setting);
    }

    /**
     * The token without a leading BOM (token files written by some editors start with one)
     * and surrounding whitespace, or null when nothing is left.
     *
     * @throws IllegalArgumentException naming {@code setting}, never quoting the value, when
     *     a character other than visible ASCII remains
     */
    static @Nullable String clean(String setting, @Nullable String raw) {
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
    @Nullable String current() throws TokenException {
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

    /** How messages name where the token comes from, e.g. {@code tokenFile}, {@code CONSUL_HTTP_TOKEN}. */
    String setting() {
        return setting;
    }

    /** For toString: never the token; a file's path is no secret. */
    String describe() {
        return file != null ? "<from " + file + ">" : "<hidden>";
    }

    /** The token to send after a 403; a file is read anew first. */
    private @Nullable String afterRefusal() throws TokenException {
        if (file != null) {
            file.reload();
        }
        return current();
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        String token = current();
        Response response = chain.proceed(withToken(chain.request(), token));
        if (response.code() != 403) {
            return response;
        }
        String next = afterRefusal();
        if (next == null || Objects.equals(next, token)) {
            return response;
        }
        // refused before it ran (a 403 is decided before the endpoint does anything): safe to send again
        response.close();
        LOG.info("Consul refused the ACL token for {} {}; the {} gives a new one: sending the request again with it",
                chain.request().method(), chain.request().url().encodedPath(), setting);
        return chain.proceed(withToken(chain.request(), next));
    }

    private Request withToken(Request request, @Nullable String token) throws TokenException {
        if (token == null) {
            return request;
        }
        try {
            return request.newBuilder().header(HEADER, token).build();
        } catch (RuntimeException e) {
            // OkHttp's message quotes the value: neither it nor its cause may travel further
            throw new TokenException("the " + setting + " cannot be sent in the " + HEADER
                    + " header (value not shown)", null);
        }
    }

    /** The token could not be sent; the message never contains it. */
    static final class TokenException extends IOException {
        private static final long serialVersionUID = 1L;

        TokenException(@Nullable String message, @Nullable Throwable cause) {
            super(message, cause);
        }
    }
}
