package io.waymark.testkit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * JVM-wide registry of what the fixtures own (live processes and containers, temp dirs, built
 * images), cleaned up by one shutdown hook when a test run ends without closing its fixtures.
 *
 * <p>Threading: thread-safe; registration is lock-free.
 */
public final class Reaper {

    private static final Set<ServerProcess> PROCESSES = ConcurrentHashMap.newKeySet();
    private static final Set<Path> DIRS = ConcurrentHashMap.newKeySet();
    private static final List<Runnable> EXIT_ACTIONS = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static final AtomicBoolean HOOKED = new AtomicBoolean();
    private static final AtomicBoolean SWEPT = new AtomicBoolean();
    private static final String OWNER_FILE = ".waymark-owner";
    /**
     * Created eagerly: the shutdown hook must not load classes from the testkit jar, which a
     * concurrent {@code mvn install} may have replaced under the running JVM by then.
     */
    private static final SimpleFileVisitor<Path> DELETER = new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException exc) {
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException exc) {
            try {
                Files.deleteIfExists(d);
            } catch (IOException e) {
                // a file appeared meanwhile: go on with the rest, the caller retries
            }
            return FileVisitResult.CONTINUE;
        }
    };

    private Reaper() {}

    static void track(ServerProcess process) {
        hook();
        PROCESSES.add(process);
    }

    static void untrack(ServerProcess process) {
        PROCESSES.remove(process);
    }

    /**
     * Runs {@code action} at JVM exit, after the servers are stopped (e.g. removing the images the
     * containers backend built). Its classes must be loaded already.
     */
    public static void atExit(Runnable action) {
        hook();
        EXIT_ACTIONS.add(action);
    }

    /** The id a fixture's temp dir and containers carry: this JVM's pid and start time. */
    public static String ownerId() {
        return ownerId(ProcessHandle.current());
    }

    /** Whether the JVM that wrote {@code owner} (see {@link #ownerId()}) is gone. */
    public static boolean ownerGone(String owner) {
        long pid = Long.parseLong(owner.substring(0, owner.indexOf(' ')));
        return !ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(h -> ownerId(h).equals(owner))
                .orElse(false);
    }

    /**
     * Creates a temp dir that is deleted at JVM exit unless {@link #deleteDir} ran before. It holds
     * an owner file naming this JVM, so that a later JVM can clean up after one that was killed.
     */
    public static Path tempDir(String prefix) {
        hook();
        if (SWEPT.compareAndSet(false, true)) {
            sweepOrphans();
        }
        try {
            Path dir = Files.createTempDirectory(prefix);
            DIRS.add(dir);
            Files.writeString(dir.resolve(OWNER_FILE), ownerId(ProcessHandle.current()));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp dir " + prefix + "*", e);
        }
    }

    private static String ownerId(ProcessHandle h) {
        return h.pid() + " " + h.info().startInstant().map(Object::toString).orElse("?");
    }

    /**
     * Removes what a killed JVM (no shutdown hook ran) left behind: for each testkit temp dir whose
     * owner JVM is gone, the server processes whose command line names that dir (every fixture
     * process has its dir in its arguments: a precise match, never a name), then the dir itself.
     */
    static void sweepOrphans() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        List<Path> orphans = new ArrayList<>();
        try (Stream<Path> list = Files.list(tmp)) {
            list.filter(p -> p.getFileName().toString().startsWith("waymark-"))
                    .filter(p -> Files.isRegularFile(p.resolve(OWNER_FILE)))
                    .forEach(p -> {
                        try {
                            String owner = Files.readString(p.resolve(OWNER_FILE)).trim();
                            if (ownerGone(owner)) {
                                orphans.add(p);
                            }
                        } catch (IOException | RuntimeException e) {
                            // unreadable or half-written owner file: leave the dir alone
                        }
                    });
        } catch (IOException e) {
            return;
        }
        for (Path dir : orphans) {
            String prefix = dir.toString() + "/";
            ProcessHandle.allProcesses()
                    .filter(h -> h.pid() != ProcessHandle.current().pid())
                    .filter(h -> h.info().commandLine().map(c -> c.contains(prefix)).orElse(false)
                            || cwd(h).startsWith(prefix))
                    .forEach(h -> {
                        h.destroyForcibly();
                        h.onExit().completeOnTimeout(h, 5, TimeUnit.SECONDS).join();
                    });
            deleteRecursively(dir);
        }
    }

    /** The process's working dir with a trailing slash (redis rewrites its argv, not its cwd). */
    private static String cwd(ProcessHandle h) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", String.valueOf(h.pid()), "cwd")) + "/";
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return "";
        }
    }

    /** Deletes {@code dir} recursively, best effort. */
    public static void deleteDir(Path dir) {
        DIRS.remove(dir);
        deleteRecursively(dir);
    }

    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        for (int attempt = 0; attempt < 3 && Files.exists(dir); attempt++) {
            try {
                Files.walkFileTree(dir, DELETER);
            } catch (IOException e) {
                // a file still being written by a dying process: try again
            }
            if (Files.exists(dir)) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static void hook() {
        if (HOOKED.compareAndSet(false, true)) {
            Thread t = new Thread(Reaper::reapAll, "waymark-testkit-reaper");
            Runtime.getRuntime().addShutdownHook(t);
        }
    }

    private static void reapAll() {
        List<ServerProcess> all = new ArrayList<>(PROCESSES);
        if (!all.isEmpty()) {
            // only then: ServerProcess is loaded already (see DELETER)
            try {
                ServerProcess.stopAll(all, Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                System.err.println("waymark-testkit: could not stop every server at exit: " + e);
            }
        }
        for (Runnable action : new ArrayList<>(EXIT_ACTIONS)) {
            try {
                action.run();
            } catch (RuntimeException e) {
                System.err.println("waymark-testkit: cleanup at exit failed: " + e);
            }
        }
        for (Path dir : new ArrayList<>(DIRS)) {
            deleteRecursively(dir);
            if (Files.exists(dir)) {
                System.err.println("waymark-testkit: could not delete " + dir);
            }
        }
    }
}
