package io.waymark.testkit;

import io.waymark.testkit.internal.Reaper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a fixture owns: its temp dir, its address leases and its processes. {@link #close()}
 * releases them once, in order: the process groups in the order given (each group stopped in
 * parallel), then the leases, then the dir; a failing step does not keep the later ones from
 * running.
 *
 * <p>Threading: thread-safe.
 */
final class FixtureResources implements AutoCloseable {

    private final Path dir;
    private final List<LoopbackAddresses.Lease> leases = new ArrayList<>();
    private final List<List<? extends LocalProcessNode>> stopGroups = new ArrayList<>();
    private boolean closed;

    /** Owns a fresh temp dir {@code dirPrefix}*. */
    FixtureResources(String dirPrefix) {
        this.dir = Reaper.tempDir(dirPrefix);
    }

    Path dir() {
        return dir;
    }

    /** Holds {@code lease} until {@link #close()}; returns its address. */
    synchronized String hold(LoopbackAddresses.Lease lease) {
        leases.add(lease);
        return lease.address();
    }

    /** Stops {@code nodes} on {@link #close()}, after the groups given before. */
    synchronized void stopOnClose(List<? extends LocalProcessNode> nodes) {
        stopGroups.add(List.copyOf(nodes));
    }

    /** Stops the processes, then releases the addresses and deletes the dir; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Runnable> steps = new ArrayList<>();
        for (List<? extends LocalProcessNode> group : stopGroups) {
            steps.add(() -> LocalProcessNode.stopAll(group));
        }
        for (LoopbackAddresses.Lease lease : leases) {
            steps.add(lease::close);
        }
        steps.add(() -> Reaper.deleteDir(dir));
        Cleanup.runAll(steps.toArray(Runnable[]::new));
    }

    /** Closes after a failed start; {@code failure} stays the exception the caller sees. */
    void closeAfter(Throwable failure) {
        Cleanup.runAllAfter(failure, this::close);
    }
}
