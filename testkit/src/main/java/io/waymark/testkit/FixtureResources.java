package io.waymark.testkit;

import io.waymark.testkit.internal.Reaper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * What a fixture owns: its temp dir, its address leases, its processes, and a scheduler for what
 * happens later on its own (timed thaws, outside promoters). {@link #close()} releases them once,
 * in order: the actions registered with {@link #beforeStop} (cancel what is in flight), the
 * scheduler, the process groups in the order given (each group stopped in parallel), the leases,
 * the dir; a failing step does not keep the later ones from running.
 *
 * <p>Threading: thread-safe.
 */
final class FixtureResources implements AutoCloseable {

    /** Bound on a scheduled task still running at close (e.g. a promotion's SQL, itself bounded). */
    private static final long SCHEDULER_DRAIN_SECONDS = 20;

    private final Path dir;
    private final String name;
    private final String fixture;
    private final Launcher launcher;
    private final Launcher.Image image;
    private final List<LoopbackAddresses.Lease> leases = new ArrayList<>();
    private final List<List<? extends LocalProcessNode>> stopGroups = new ArrayList<>();
    private final List<Runnable> beforeStop = new ArrayList<>();
    private ScheduledThreadPoolExecutor scheduler;
    private boolean closed;

    /**
     * Owns a fresh temp dir {@code dirPrefix}* and runs the servers of {@code fixture} (e.g.
     * "RedisReplication") on the backend chosen for it.
     *
     * @param image what its servers mostly run, named in start failures
     * @param binaries what it needs on the processes backend
     */
    FixtureResources(String dirPrefix, String fixture, Launcher.Image image, String... binaries) {
        this.dir = Reaper.tempDir(dirPrefix);
        this.name = dirPrefix.endsWith("-") ? dirPrefix.substring(0, dirPrefix.length() - 1) : dirPrefix;
        this.fixture = fixture;
        this.image = image;
        try {
            this.launcher = Launcher.of(fixture, dir, List.of(binaries));
        } catch (RuntimeException | Error e) {
            Reaper.deleteDir(dir);
            throw e;
        }
    }

    Path dir() {
        return dir;
    }

    Launcher launcher() {
        return launcher;
    }

    /** Holds {@code lease} until {@link #close()}; returns its address. */
    synchronized String hold(LoopbackAddresses.Lease lease) {
        leases.add(lease);
        return lease.address();
    }

    /**
     * Holds {@code count} addresses with {@code ports} free until {@link #close()}: leased ones, or
     * the {@code fixed} ones (null: none), each waited for up to {@code wait} while another
     * fixture holds it.
     */
    List<String> holdAddresses(int count, List<String> fixed, Duration wait, int... ports) {
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            hosts.add(hold(fixed != null ? LoopbackAddresses.acquire(fixed.get(i), wait, ports)
                    : LoopbackAddresses.acquire(ports)));
        }
        return hosts;
    }

    /**
     * Runs a fixture's start: on a failure everything held so far is released and the caller gets
     * {@link #startFailed}'s exception (an {@link Error} as it is).
     */
    <T> T start(Supplier<T> start) {
        try {
            return start.get();
        } catch (RuntimeException e) {
            throw startFailed(e);
        } catch (Error e) {
            closeAfter(e);
            throw e;
        }
    }

    /** Stops {@code nodes} on {@link #close()}, after the groups given before. */
    synchronized void stopOnClose(List<? extends LocalProcessNode> nodes) {
        stopGroups.add(List.copyOf(nodes));
    }

    /** Runs {@code action} first thing on {@link #close()}, e.g. to cancel a pending promotion. */
    synchronized void beforeStop(Runnable action) {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        beforeStop.add(action);
    }

    /**
     * The fixture's scheduler: two named daemon threads ({@code waymark-testkit-<fixture>-N}), so a
     * timed thaw is not held up by a promotion in progress; shut down on {@link #close()}.
     *
     * @throws IllegalStateException once closed
     */
    synchronized ScheduledExecutorService scheduler() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        if (scheduler == null) {
            AtomicInteger n = new AtomicInteger();
            scheduler = new ScheduledThreadPoolExecutor(2, r -> {
                Thread t = new Thread(r, "waymark-testkit-" + name + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            // a cancelled thaw or poll must not linger in the queue until its time comes
            scheduler.setRemoveOnCancelPolicy(true);
        }
        return scheduler;
    }

    /**
     * Stops the processes, then releases the addresses and deletes the dir; idempotent. The steps
     * run without holding this object's lock, so a scheduled task that still needs it cannot hold
     * up the scheduler's shutdown.
     */
    @Override
    public void close() {
        List<Runnable> steps = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            steps.addAll(beforeStop);
            ScheduledThreadPoolExecutor s = scheduler;
            if (s != null) {
                steps.add(() -> shutDown(s));
            }
            for (List<? extends LocalProcessNode> group : stopGroups) {
                steps.add(() -> LocalProcessNode.stopAll(group));
            }
            for (LoopbackAddresses.Lease lease : leases) {
                steps.add(lease::close);
            }
        }
        steps.add(launcher::close);
        steps.add(() -> Reaper.deleteDir(dir));
        Cleanup.runAll(steps.toArray(Runnable[]::new));
    }

    private void shutDown(ScheduledThreadPoolExecutor s) {
        s.shutdownNow();
        try {
            if (!s.awaitTermination(SCHEDULER_DRAIN_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("a scheduled task of " + name + " still runs after "
                        + SCHEDULER_DRAIN_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes after a failed start; {@code failure} stays the exception the caller sees. */
    void closeAfter(Throwable failure) {
        Cleanup.runAllAfter(failure, this::close);
    }

    /**
     * Closes after a failed start and returns what the caller throws: {@code failure}, its message
     * prefixed with the fixture and what ran it unless it names the fixture already.
     */
    RuntimeException startFailed(RuntimeException failure) {
        closeAfter(failure);
        if (String.valueOf(failure.getMessage()).startsWith(fixture)) {
            return failure;
        }
        return new IllegalStateException(fixture + " did not start (" + launcher.backend().settingName()
                + " backend, " + launcher.describe(image) + "): " + failure.getMessage(), failure);
    }
}
