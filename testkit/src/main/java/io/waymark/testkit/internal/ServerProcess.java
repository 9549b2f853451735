package io.waymark.testkit.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One server a fixture owns, whatever runs it: a local process ({@link ManagedProcess}) or a
 * container ({@link ContainerProcess}). The lifecycle, the fault primitives and the timed thaw live
 * here once; a subclass supplies how to start, signal and watch its kind. The output goes to one
 * log file whose tail ends up in readiness failures.
 *
 * <p>Threading: thread-safe; lifecycle methods are serialized on the instance.
 */
public abstract class ServerProcess {

    private final String name;
    private final Path log;
    private volatile boolean frozen;
    /** The thaw of a timed freeze; guarded by this. */
    private ScheduledFuture<?> pendingThaw;

    protected ServerProcess(String name, Path log) {
        this.name = name;
        this.log = log;
    }

    public final String name() {
        return name;
    }

    public final Path log() {
        return log;
    }

    /** Starts it without waiting for it to serve. */
    public abstract void start();

    /**
     * Waits for a short-lived run (an installer) to exit; returns its exit code, or null if it still
     * ran after {@code timeout} (it is killed then).
     */
    public abstract Integer awaitExit(Duration timeout);

    /** Pid of the current (or last) process as the host sees it, -1 if never started. */
    public abstract long pid();

    public abstract boolean isRunning();

    /**
     * Runs a short {@code command} next to the server: the same binaries and file system view (a
     * local command, or an exec in the container), in {@code dir}.
     *
     * @throws IllegalStateException when it runs longer than {@code timeout}
     */
    public abstract Commands.Result exec(List<String> command, Path dir, Duration timeout);

    /** SIGTERM, SIGKILL once {@code grace} has passed; the subclass waits for the exit. */
    protected abstract void terminate(Duration grace);

    /** SIGKILL and wait until gone. */
    protected abstract void forceKill();

    /**
     * Sends {@code signal} ("TERM", "KILL", "STOP", "CONT") to the server itself, by pid or through
     * the engine, never by name; throws when it cannot be sent.
     */
    protected abstract void signal(String signal);

    /** Like {@link #signal}, ignoring a failure: the server may have exited meanwhile. */
    protected final void signalQuietly(String signal) {
        try {
            signal(signal);
        } catch (RuntimeException e) {
            // already gone
        }
    }

    /**
     * Asks it to terminate without waiting for the exit, continuing it if frozen (a stopped process
     * acts on a pending SIGTERM only once continued).
     */
    protected void signalTerminate() {
        if (isRunning()) {
            signalQuietly("TERM");
            if (frozen) {
                signalQuietly("CONT");
            }
        }
    }

    /** Stopped by {@link #freeze()} and not thawed since. */
    public boolean isFrozen() {
        return frozen && isRunning();
    }

    /** Graceful stop: SIGTERM (followed by a thaw if frozen), SIGKILL once {@code grace} has passed. */
    public synchronized void stop(Duration grace) {
        terminate(grace);
        finished();
    }

    /** SIGKILL, then waits for it to be gone. */
    public synchronized void kill() {
        forceKill();
        finished();
    }

    /**
     * Stops it (SIGSTOP to the server itself, on both backends: a stopped process still gets
     * SIGTERM and SIGKILL, while an engine refuses to kill a container its freezer paused): it keeps
     * its sockets but answers nothing, until {@link #thaw()}. Cancels a pending timed thaw.
     */
    public synchronized void freeze() {
        stopState("freeze", true);
    }

    /**
     * Freezes now and thaws after {@code duration}, the latter on {@code scheduler}; the thaw is
     * dropped when it is thawed, stopped, killed or restarted before.
     */
    public synchronized void freeze(Duration duration, ScheduledExecutorService scheduler) {
        requireRunning("freeze");
        long pid = pid();
        // scheduled first: a rejected schedule (fixture closing) must not leave it frozen; the
        // thaw cannot overtake the freeze, it needs this monitor
        ScheduledFuture<?> thaw = scheduler.schedule(() -> thawIfFrozen(pid), duration.toNanos(),
                TimeUnit.NANOSECONDS);
        freeze();
        pendingThaw = thaw;
    }

    private synchronized void thawIfFrozen(long pid) {
        if (pid == pid() && isFrozen()) {
            thaw();
        }
    }

    /** Continues it (SIGCONT). */
    public synchronized void thaw() {
        stopState("thaw", false);
    }

    /** SIGSTOP or SIGCONT; returns once the process is in that state. */
    private void stopState(String what, boolean stopped) {
        requireRunning(what);
        cancelPendingThaw();
        signal(stopped ? "STOP" : "CONT");
        awaitStopState(pid(), stopped);
        frozen = stopped;
    }

    /**
     * Waits until /proc shows {@code pid} stopped (or running again); where this host has no such
     * pid (an engine in a VM, Docker Desktop) the signal's delivery is taken on trust.
     */
    private void awaitStopState(long pid, boolean stopped) {
        Path stat = Path.of("/proc", String.valueOf(pid), "stat");
        if (pid <= 0 || !Files.isReadable(stat)) {
            return;
        }
        // signals are delivered asynchronously: return only once the process really is (not) stopped
        Poll.until(Duration.ofSeconds(5), Duration.ofMillis(5), () -> {
            if (!isRunning() || !Files.exists(stat)) {
                return true;
            }
            // the state is the field after the parenthesised command name
            String s = Files.readString(stat);
            char state = s.charAt(s.lastIndexOf(')') + 2);
            return stopped == (state == 'T' || state == 't');
        }, () -> name + " did not " + (stopped ? "stop" : "continue"));
    }

    /** Call after each successful start: it is new, not frozen, and reaped at JVM exit. */
    protected final synchronized void started() {
        cancelPendingThaw();
        frozen = false;
        Reaper.track(this);
    }

    /** Call once it is gone. */
    protected final synchronized void finished() {
        cancelPendingThaw();
        frozen = false;
        Reaper.untrack(this);
    }

    private void cancelPendingThaw() {
        ScheduledFuture<?> thaw = pendingThaw;
        pendingThaw = null;
        if (thaw != null) {
            thaw.cancel(false);
        }
    }

    protected final void requireRunning(String what) {
        if (!isRunning()) {
            throw new IllegalStateException("cannot " + what + " " + name + ": not running");
        }
    }

    /** Stops all of {@code processes} in parallel: asks each to terminate, then waits for each. */
    public static void stopAll(Collection<? extends ServerProcess> processes, Duration grace) {
        for (ServerProcess p : processes) {
            try {
                p.signalTerminate();
            } catch (RuntimeException e) {
                // stop() below tries again and reports
            }
        }
        RuntimeException first = null;
        for (ServerProcess p : processes) {
            try {
                p.stop(grace);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
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

    /** What runs it, for messages: "pid 123" or "container abc (image x)". */
    protected abstract String where();

    /** Describes it and its log tail, for readiness failures; names a port conflict when the log shows one. */
    public String describe() {
        String tail = logTail(30);
        String hint = tail.contains("Address already in use") || tail.contains("address already in use")
                ? "\nits port is taken on its address: stop what listens there (ss -ltnp) or give the "
                        + "fixture another port\n"
                : "";
        return name + " (" + where() + (isRunning() ? ", running" : ", not running") + "), last lines of "
                + log + ":\n" + tail + hint;
    }

    @Override
    public String toString() {
        return name + "(" + where() + ")";
    }
}
