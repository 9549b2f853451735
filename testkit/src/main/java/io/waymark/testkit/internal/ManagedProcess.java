package io.waymark.testkit.internal;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One server process owned by a fixture, a local process tracked by pid: the processes backend.
 * The command is re-evaluated at each {@link #start()}, so a restart can carry the node's current
 * role. stdout and stderr go to the log file. Freezing is SIGSTOP, thawing SIGCONT.
 *
 * <p>Threading: thread-safe; lifecycle methods are serialized on the instance.
 */
public final class ManagedProcess extends ServerProcess {

    private final Supplier<List<String>> command;
    private final Path workDir;
    private final Map<String, String> env;
    private volatile Process process;
    private volatile long lastPid = -1;

    public ManagedProcess(
            String name, Supplier<List<String>> command, Path workDir, Path log, Map<String, String> env) {
        super(name, log);
        this.command = command;
        this.workDir = workDir;
        this.env = Map.copyOf(env);
    }

    @Override
    public synchronized void start() {
        if (isRunning()) {
            throw new IllegalStateException(name() + " is already running (pid " + lastPid + ")");
        }
        List<String> cmd = command.get();
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            process = p;
            lastPid = p.pid();
            started();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name() + ": " + cmd.get(0), e);
        }
    }

    @Override
    public Integer awaitExit(Duration timeout) {
        Process p = process;
        if (p == null) {
            throw new IllegalStateException(name() + " was never started");
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
            throw new IllegalStateException("interrupted while waiting for " + name(), e);
        }
    }

    @Override
    public long pid() {
        return lastPid;
    }

    @Override
    public boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    @Override
    public Commands.Result exec(List<String> cmd, Path dir, Duration timeout) {
        return Commands.run(cmd, dir, timeout);
    }

    @Override
    protected void terminate(Duration grace) {
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
    }

    @Override
    protected void forceKill() {
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
    }

    @Override
    protected void signal(String sig) {
        long pid = lastPid;
        // by pid through the shell's kill builtin: never by name
        Commands.Result r = Commands.run(List.of("/bin/sh", "-c", "kill -" + sig + " " + pid), null,
                Duration.ofSeconds(5));
        if (r.exit() != 0) {
            throw new IllegalStateException("kill -" + sig + " " + pid + " failed: " + r.output().trim());
        }
    }

    @Override
    protected String where() {
        return "pid " + lastPid;
    }
}
