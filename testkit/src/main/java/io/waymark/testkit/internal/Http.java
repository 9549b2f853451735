package io.waymark.testkit.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Blocking HTTP to Consul's API with short timeouts; no threads of its own. */
public final class Http {

    /** Status and body of a response. */
    public record Response(int status, String body) {}

    private Http() {}

    public static Response get(String hostPort, String path) {
        return call("GET", hostPort, path, null, Duration.ofSeconds(10));
    }

    /** GET with a read timeout of its own, e.g. to probe a paused agent quickly. */
    public static Response get(String hostPort, String path, Duration readTimeout) {
        return call("GET", hostPort, path, null, readTimeout);
    }

    public static Response put(String hostPort, String path, String body) {
        return call("PUT", hostPort, path, body, Duration.ofSeconds(10));
    }

    /** PUT that must answer 200. */
    public static String putOk(String hostPort, String path, String body) {
        return bodyIfOk("PUT", hostPort, path, put(hostPort, path, body));
    }

    /** GET that must answer 200. */
    public static String getOk(String hostPort, String path) {
        return bodyIfOk("GET", hostPort, path, get(hostPort, path));
    }

    private static String bodyIfOk(String method, String hostPort, String path, Response r) {
        if (r.status() != 200) {
            throw new IllegalStateException(method + " " + path + " on " + hostPort + " answered "
                    + r.status() + ": " + r.body().trim());
        }
        return r.body();
    }

    private static Response call(String method, String hostPort, String path, String body,
            Duration readTimeout) {
        try {
            HttpURLConnection c =
                    (HttpURLConnection) URI.create("http://" + hostPort + path).toURL().openConnection();
            c.setRequestMethod(method);
            c.setConnectTimeout(2000);
            c.setReadTimeout((int) readTimeout.toMillis());
            c.setUseCaches(false);
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
            throw new UncheckedIOException(method + " http://" + hostPort + path + " failed", e);
        }
    }
}
