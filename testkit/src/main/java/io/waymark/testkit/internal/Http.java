package io.waymark.testkit.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/**
 * Blocking HTTP(S) to Consul's API with short timeouts; no threads of its own. {@link #PLAIN}
 * speaks http; {@link #tls} https with a client certificate, verifying the agent's certificate and
 * host name. A token, when given, goes in the {@code X-Consul-Token} header and never into a
 * message.
 *
 * <p>Threading: thread-safe; immutable.
 */
public final class Http {

    /** Plain http, no token. */
    public static final Http PLAIN = new Http(null);

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    /** Status and body of a response. */
    public record Response(int status, String body) {}

    private final SSLSocketFactory tls;

    private Http(SSLSocketFactory tls) {
        this.tls = tls;
    }

    /** https with {@code context}'s trust and client certificate. */
    public static Http tls(SSLContext context) {
        return new Http(context.getSocketFactory());
    }

    public Response get(String hostPort, String path) {
        return call("GET", hostPort, path, null, null, READ_TIMEOUT);
    }

    /** GET with a read timeout of its own, e.g. to probe a frozen agent quickly. */
    public Response get(String hostPort, String path, Duration readTimeout) {
        return call("GET", hostPort, path, null, null, readTimeout);
    }

    public Response put(String hostPort, String path, String body) {
        return call("PUT", hostPort, path, body, null, READ_TIMEOUT);
    }

    /** GET that must answer 200. */
    public String getOk(String hostPort, String path) {
        return getOk(hostPort, path, null);
    }

    /** PUT that must answer 200. */
    public String putOk(String hostPort, String path, String body) {
        return putOk(hostPort, path, body, null);
    }

    /** GET with {@code token} (null: none) that must answer 200. */
    public String getOk(String hostPort, String path, String token) {
        return bodyIfOk("GET", hostPort, path, call("GET", hostPort, path, null, token, READ_TIMEOUT));
    }

    /** PUT with {@code token} (null: none) that must answer 200. */
    public String putOk(String hostPort, String path, String body, String token) {
        return bodyIfOk("PUT", hostPort, path, call("PUT", hostPort, path, body, token, READ_TIMEOUT));
    }

    /** DELETE with {@code token} (null: none) that must answer 200. */
    public String deleteOk(String hostPort, String path, String token) {
        return bodyIfOk("DELETE", hostPort, path, call("DELETE", hostPort, path, null, token,
                READ_TIMEOUT));
    }

    private static String bodyIfOk(String method, String hostPort, String path, Response r) {
        if (r.status() != 200) {
            throw new IllegalStateException(method + " " + path + " on " + hostPort + " answered "
                    + r.status() + ": " + r.body().trim());
        }
        return r.body();
    }

    private Response call(String method, String hostPort, String path, String body, String token,
            Duration readTimeout) {
        String url = (tls == null ? "http://" : "https://") + hostPort + path;
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            if (c instanceof HttpsURLConnection https) {
                https.setSSLSocketFactory(tls);
            }
            c.setRequestMethod(method);
            c.setConnectTimeout(2000);
            c.setReadTimeout((int) readTimeout.toMillis());
            c.setUseCaches(false);
            if (token != null) {
                c.setRequestProperty("X-Consul-Token", token);
            }
            if (body != null) {
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", "application/json");
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body.getBytes(StandardCharsets.UTF_8));
                }
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (in != null) {
                in.close();
            }
            return new Response(status, text);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + url + " failed", e);
        }
    }
}
