package io.waymark.testkit.internal;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One server process owned by a fixture, tracked by pid. The command is re-evaluated at each
 * {@link #start()}, so a restart can carry the node's current role. stdout and stderr go to one
 * log file whose tail ends up in readiness failures.
 *
 * <p>Threading: thread-safe; lifecycle methods are serialized on the instance.
 */
public final class ManagedProcess {

    private final String name;
    private final Supplier<List<String>> command;
    private final Path workDir;
    private final Path log;
    private final Map<String, String> env;
    private volatile Process process;
    private volatile boolean frozen;
    private volatile long lastPid = -1;
    /** The thaw of a timed freeze; guarded by this. */
    private ScheduledFuture<?> pendingThaw;

    public ManagedProcess(
            String name, Supplier<List<String>> command, Path workDir, Path log, Map<String, String> env) {
        this.name = name;
        this.command = command;
        this.workDir = workDir;
        this.log = log;
        this.env = Map.copyOf(env);
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    public synchronized void start() {
        if (isRunning()) {
            throw new IllegalStateException(name + " is already running (pid " + lastPid + ")");
        }
        List<String> cmd = command.get();
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            process = p;
            cancelPendingThaw();
            frozen = false;
            lastPid = p.pid();
            Reaper.track(this);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + cmd.get(0), e);
        }
    }

    /**
     * Waits for a short-lived process (an installer) to exit; returns its exit code, or null if it
     * still ran after {@code timeout} (it is killed then).
     */
    public Integer awaitExit(Duration timeout) {
        Process p = process;
        if (p == null) {
            throw new IllegalStateException(name + " was never started");
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
                return null;
            }
            finished();
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new IllegalStateException("interrupted while waiting for " + name, e);
        }
    }

    /** Pid of the current (or last) process, -1 if never started. */
    public long pid() {
        return lastPid;
    }

    public boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** Stopped by {@link #freeze()} and not thawed since. */
    public boolean isFrozen() {
        return frozen && isRunning();
    }

    /** Graceful stop: SIGTERM (followed by SIGCONT if frozen), SIGKILL once {@code grace} has passed. */
    public synchronized void stop(Duration grace) {
        Process p = process;
        if (p == null) {
            return;
        }
        List<ProcessHandle> children = p.descendants().toList();
        if (p.isAlive()) {
            signalTerminate();
            try {
                if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        children.forEach(ProcessHandle::destroyForcibly);
        finished();
    }

    /** SIGKILL, then waits for the process to be gone. */
    public synchronized void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        List<ProcessHandle> children = p.descendants().toList();
        p.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        finished();
    }

    /**
     * SIGSTOP: the process keeps its sockets but answers nothing, until {@link #thaw()}. Cancels a
     * pending timed thaw.
     */
    public synchronized void freeze() {
        requireRunning("freeze");
        cancelPendingThaw();
        signal("STOP");
        frozen = true;
        // signals are delivered asynchronously: return only once the process really is stopped
        awaitState(true);
    }

    /**
     * SIGSTOP now and SIGCONT after {@code duration}, the latter on {@code scheduler}; the thaw is
     * dropped when the process is thawed, stopped, killed or restarted before.
     */
    public synchronized void freeze(Duration duration, ScheduledExecutorService scheduler) {
        requireRunning("freeze");
        long pid = lastPid;
        // scheduled first: a rejected schedule (fixture closing) must not leave it frozen; the
        // thaw cannot overtake the freeze, it needs this monitor
        ScheduledFuture<?> thaw = scheduler.schedule(() -> thawIfFrozen(pid), duration.toNanos(),
                TimeUnit.NANOSECONDS);
        freeze();
        pendingThaw = thaw;
    }

    private synchronized void thawIfFrozen(long pid) {
        if (pid == lastPid && isFrozen()) {
            thaw();
        }
    }

    /** SIGCONT. */
    public synchronized void thaw() {
        requireRunning("thaw");
        cancelPendingThaw();
        signal("CONT");
        frozen = false;
        awaitState(false);
    }

    private void cancelPendingThaw() {
        ScheduledFuture<?> thaw = pendingThaw;
        pendingThaw = null;
        if (thaw != null) {
            thaw.cancel(false);
        }
    }

    private void awaitState(boolean stopped) {
        Poll.until(Duration.ofSeconds(5), Duration.ofMillis(5),
                () -> !isRunning() || stopped == isStoppedState(lastPid),
                () -> name + " did not " + (stopped ? "stop" : "continue"));
    }

    private static boolean isStoppedState(long pid) throws IOException {
        // the state is the field after the parenthesised command name in /proc/<pid>/stat
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        char state = stat.charAt(stat.lastIndexOf(')') + 2);
        return state == 'T' || state == 't';
    }

    /** Stops all of {@code processes} in parallel: SIGTERM to each, then waits for each. */
    public static void stopAll(Collection<ManagedProcess> processes, Duration grace) {
        for (ManagedProcess p : processes) {
            p.signalTerminate();
        }
        for (ManagedProcess p : processes) {
            p.stop(grace);
        }
    }

    /**
     * SIGTERM, then SIGCONT when frozen (a stopped process only acts on the pending SIGTERM once
     * continued), without waiting for the exit.
     */
    void signalTerminate() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroy();
            if (frozen) {
                signalQuietly("CONT");
            }
        }
    }

    private void signalQuietly(String sig) {
        try {
            signal(sig);
        } catch (RuntimeException e) {
            // already gone
        }
    }

    private synchronized void finished() {
        cancelPendingThaw();
        frozen = false;
        Reaper.untrack(this);
    }

    private void requireRunning(String what) {
        if (!isRunning()) {
            throw new IllegalStateException("cannot " + what + " " + name + ": not running");
        }
    }

    private void signal(String sig) {
        long pid = lastPid;
        // by pid through the shell's kill builtin: never by name
        Commands.Result r = Commands.run(List.of("/bin/sh", "-c", "kill -" + sig + " " + pid), null,
                Duration.ofSeconds(5));
        if (r.exit() != 0) {
            throw new IllegalStateException("kill -" + sig + " " + pid + " failed: " + r.output().trim());
        }
    }

    /** The last {@code lines} lines of the log, for failure messages. */
    public String logTail(int lines) {
        return tail(log, lines);
    }

    public static String tail(Path file, int lines) {
        if (file == null || !Files.exists(file)) {
            return "(no log at " + file + ")";
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long len = raf.length();
            long from = Math.max(0, len - 16_384);
            raf.seek(from);
            byte[] buf = new byte[(int) (len - from)];
            raf.readFully(buf);
            String text = new String(buf, StandardCharsets.UTF_8);
            String[] all = text.split("\n");
            int start = Math.max(0, all.length - lines);
            StringBuilder sb = new StringBuilder();
            for (int i = start; i < all.length; i++) {
                sb.append("  | ").append(all[i]).append('\n');
            }
            return sb.toString();
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** Describes the process and its log tail, for readiness failures. */
    public String describe() {
        return name + " (pid " + lastPid + (isRunning() ? ", running" : ", not running")
                + "), last lines of " + log + ":\n" + logTail(30);
    }

    @Override
    public String toString() {
        return name + "(pid " + lastPid + ")";
    }
}
