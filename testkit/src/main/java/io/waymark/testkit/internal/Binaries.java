package io.waymark.testkit.internal;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves server binaries on the PATH, failing with a message that says how to get them.
 *
 * <p>Threading: thread-safe; lookups are cached in a concurrent map.
 */
public final class Binaries {

    // sbin directories are not on every user's PATH, but mariadbd lives there on Debian
    private static final List<String> EXTRA_DIRS =
            List.of("/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/bin");
    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

    private Binaries() {}

    /** Absolute path of {@code name}; throws {@link IllegalStateException} naming it when missing. */
    public static String require(String name) {
        return CACHE.computeIfAbsent(name, Binaries::lookup);
    }

    /** Absolute path of {@code name}, or null when it is not installed. */
    public static String find(String name) {
        try {
            return require(name);
        } catch (IllegalStateException e) {
            return null;
        }
    }

    private static String lookup(String name) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    dirs.add(dir);
                }
            }
        }
        dirs.addAll(EXTRA_DIRS);
        for (String dir : dirs) {
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toAbsolutePath().toString();
            }
        }
        throw new IllegalStateException(
                "binary '" + name + "' not found on the PATH; run scripts/install-prereqs "
                        + "(it installs consul, redis-server, redis-tools, mariadb-server, mariadb-client)");
    }
}
