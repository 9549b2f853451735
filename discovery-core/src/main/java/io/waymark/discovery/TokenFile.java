package io.waymark.discovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ACL token kept in a file ({@code tokenFile}, {@code CONSUL_HTTP_TOKEN_FILE}) and rotated
 * by rewriting or replacing it. Read when the discovery is built (an unreadable or empty file
 * is an error then); afterwards each request looks at the file's attributes only (modification
 * time, size, file key: one {@code stat}) and reads it again when they changed, and
 * {@link #reload()} reads it at once (after a 403, in case the change went unnoticed: a
 * rewrite within the file system's timestamp granularity keeps the size of a UUID token).
 *
 * <p>A read that fails later (the file replaced non-atomically and missing for a moment,
 * empty while it is being written, unreadable) keeps the last token: a rotation must never
 * drop the token the watches use. It is logged once per episode, without the content.
 *
 * <p>Threading: thread-safe; the state is one immutable snapshot behind a volatile field.
 */
final class TokenFile implements Supplier<String> {

    private static final Logger LOG = LoggerFactory.getLogger(TokenFile.class);

    private static final class State {
        final FileTime modified;
        final long size;
        final Object fileKey;
        final String token;

        State(BasicFileAttributes a, String token) {
            this.modified = a.lastModifiedTime();
            this.size = a.size();
            this.fileKey = a.fileKey();
            this.token = token;
        }

        boolean sameFile(BasicFileAttributes a) {
            return modified.equals(a.lastModifiedTime()) && size == a.size() && Objects.equals(fileKey, a.fileKey());
        }
    }

    private final Path path;
    private final String setting;
    private volatile State state;
    private volatile boolean failing;

    private TokenFile(Path path, String setting, State first) {
        this.path = path;
        this.setting = setting;
        this.state = first;
    }

    /**
     * Reads the token now.
     *
     * @throws IllegalStateException naming {@code setting} and the file (never the content)
     *     when it cannot be read, is empty, or holds a character a token cannot have
     */
    static TokenFile open(String setting, Path path) {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            if (!a.isRegularFile()) {
                throw Pem.fileError(setting, path, "is not a regular file");
            }
            String token;
            try {
                token = ConsulToken.clean(setting + " " + Checks.quote(path.toString()), new String(
                        Pem.read(setting, path), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(e.getMessage());
            }
            if (token == null) {
                throw Pem.fileError(setting, path, "is empty: it must hold the ACL token");
            }
            return new TokenFile(path, setting, new State(a, token));
        } catch (java.nio.file.NoSuchFileException e) {
            throw Pem.fileError(setting, path, "does not exist");
        } catch (IOException e) {
            throw Pem.fileError(setting, path, "cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** The token: the last one read, read again first when the file changed. */
    @Override
    public String get() {
        State s = state;
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (IOException e) {
            keep(e.getClass().getSimpleName());
            return s.token;
        }
        return s.sameFile(a) ? s.token : read(a);
    }

    /** Reads the file now, whatever its attributes say; the token to send from now on. */
    String reload() {
        try {
            return read(Files.readAttributes(path, BasicFileAttributes.class));
        } catch (IOException e) {
            keep(e.getClass().getSimpleName());
            return state.token;
        }
    }

    private synchronized String read(BasicFileAttributes a) {
        String token;
        try {
            token = ConsulToken.clean(setting, new String(Files.readAllBytes(path), StandardCharsets.UTF_8));
        } catch (IOException e) {
            keep(e.getClass().getSimpleName());
            return state.token;
        } catch (IllegalArgumentException e) {
            keep("a character a token cannot have");
            return state.token;
        }
        if (token == null) {
            // being written: read again at the next request, as the attributes are not taken
            keep("empty");
            return state.token;
        }
        boolean changed = !token.equals(state.token);
        state = new State(a, token);
        if (failing) {
            failing = false;
            LOG.info("the token file {} ({}) can be read again", path, setting);
        }
        if (changed) {
            LOG.info("the ACL token in {} ({}) changed; using the new one from the next request on", path, setting);
        }
        return token;
    }

    private void keep(String why) {
        if (!failing) {
            failing = true;
            LOG.warn("the token file {} ({}) cannot be read now ({}); keeping the token read before", path, setting,
                    why);
        }
    }

    @Override
    public String toString() {
        return setting + " " + path;
    }
}
