package io.waymark.testkit.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A one-shot Redis client: connect, AUTH, one command, close. Fixtures poll and reconfigure
 * servers that get killed and paused; a fresh socket per command never carries stale state, and
 * the socket timeout keeps a paused server from hanging the caller.
 *
 * <p>Threading: thread-safe; each call uses its own connection.
 */
public final class Resp {

    /** An error reply ({@code -ERR ...}). */
    public static final class RedisError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RedisError(String message) {
            super(message);
        }
    }

    private Resp() {}

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    /** Runs {@code args} on host:port and returns String, Long, List or null. */
    public static Object call(String host, int port, String password, String... args) {
        return call(host, port, password, READ_TIMEOUT, args);
    }

    /**
     * Like {@link #call(String, int, String, String...)}, with {@code timeout} bounding the connect
     * and each read: a probe that must give up quickly on a frozen server.
     */
    public static Object call(String host, int port, String password, Duration timeout, String... args) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port),
                    (int) Math.min(timeout.toMillis(), CONNECT_TIMEOUT.toMillis()));
            s.setSoTimeout((int) timeout.toMillis());
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream());
            if (password != null) {
                out.write(encode("AUTH", password));
                out.flush();
                read(in);
            }
            out.write(encode(args));
            out.flush();
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(args[0] + " on " + host + ":" + port
                    + " failed: " + e.getMessage(), e);
        }
    }

    /** Like {@link #call} for commands answering a bulk or simple string. */
    public static String string(String host, int port, String password, String... args) {
        Object o = call(host, port, password, args);
        return o == null ? null : o.toString();
    }

    /** The value of {@code field} in an INFO-style text, or null. */
    public static String infoField(String info, String field) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        return null;
    }

    private static byte[] encode(String... args) {
        StringBuilder sb = new StringBuilder();
        sb.append('*').append(args.length).append("\r\n");
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String a : args) {
            byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
            sb.append('$').append(bytes.length).append("\r\n").append(a).append("\r\n");
        }
        byte[] all = sb.toString().getBytes(StandardCharsets.UTF_8);
        b.write(all, 0, all.length);
        return b.toByteArray();
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new IOException("connection closed");
        }
        String line = line(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new RedisError(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int len = Integer.parseInt(line);
                if (len < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(len);
                in.readNBytes(2);
                return new String(data, StandardCharsets.UTF_8);
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                List<Object> list = new ArrayList<>(n);
                for (int k = 0; k < n; k++) {
                    list.add(read(in));
                }
                return list;
            }
            default:
                throw new IOException("unexpected RESP type " + (char) type);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (prev == '\r' && c == '\n') {
                byte[] bytes = b.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            b.write(c);
            prev = c;
        }
    }
}
