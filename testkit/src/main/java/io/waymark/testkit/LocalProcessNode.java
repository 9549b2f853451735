package io.waymark.testkit;

import io.waymark.testkit.internal.Poll;
import io.waymark.testkit.internal.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A server of a fixture on its own loopback address: what Consul agents, Redis nodes and MariaDB
 * nodes share, i.e. the address and the fault controls, through one {@link ServerProcess} (a local
 * process or a container, per the fixture's {@link Backend}).
 *
 * <p>Threading: thread-safe; fault controls are serialized by the process.
 */
abstract class LocalProcessNode implements FaultControls {

    private final String host;
    private final int port;
    private final Duration readyTimeout;
    private final Duration stopGrace;
    private final ServerProcess process;
    private final FixtureResources resources;

    /**
     * @param name the process name in messages, e.g. "redis-server 127.0.0.5:6379"
     * @param port the port clients talk to
     * @param dir the node's own dir (its working dir) inside the fixture's
     * @param resources the owning fixture's, for the scheduler of timed thaws
     * @param readyTimeout bound of the readiness wait after {@link #start()}
     * @param stopGrace how long {@link #stop()} waits after SIGTERM before SIGKILL
     * @param image what it runs from on the containers backend
     * @param readOnly further dirs it reads (check scripts), mounted on the containers backend
     */
    LocalProcessNode(String name, String host, int port, Path dir, FixtureResources resources,
            String logFile, Duration readyTimeout, Duration stopGrace, Launcher.Image image,
            List<Path> readOnly) {
        this.resources = resources;
        this.host = host;
        this.port = port;
        this.readyTimeout = readyTimeout;
        this.stopGrace = stopGrace;
        // command() is evaluated at each start, after construction, so that a restart carries the
        // node's current role
        this.process = resources.launcher().server(name, image, this::command, dir, dir.resolve(logFile),
                readOnly);
    }

    /** The command line of the next start. */
    abstract List<String> command();

    /** Waits until the server answers, failing at once when the process exits. */
    abstract void awaitReady(Duration timeout);

    ServerProcess process() {
        return process;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** "host:port". */
    public String address() {
        return host + ":" + port;
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public boolean isRunning() {
        return process.isRunning();
    }

    /** Running and not frozen, i.e. able to answer. */
    boolean isServing() {
        return process.isRunning() && !process.isFrozen();
    }

    /** Starts without waiting. */
    void launch() {
        process.start();
    }

    @Override
    public void start() {
        process.start();
        awaitReady(readyTimeout);
    }

    @Override
    public void stop() {
        process.stop(stopGrace);
    }

    @Override
    public void kill() {
        process.kill();
    }

    @Override
    public void freeze() {
        process.freeze();
    }

    @Override
    public void freeze(Duration duration) {
        process.freeze(Checks.positive("duration", duration), resources.scheduler());
    }

    @Override
    public void thaw() {
        process.thaw();
    }

    @Override
    public boolean isFrozen() {
        return process.isFrozen();
    }

    /** Polls {@code condition} like {@link Poll#until}, but gives up at once if the process exits. */
    void pollWhileRunning(Duration timeout, Duration interval, Callable<Boolean> condition,
            Supplier<String> describe) {
        Poll.until(timeout, interval, () -> {
            if (!process.isRunning()) {
                throw new Poll.Abort(process.name() + " exited");
            }
            return condition.call();
        }, describe);
    }

    /**
     * Launches {@code nodes} without waiting for them to serve: one after the other as local
     * processes (each takes milliseconds), in parallel as containers (each takes a copy of its
     * image on vfs, most of a second).
     */
    static void launchAll(List<? extends LocalProcessNode> nodes, FixtureResources resources) {
        if (resources.launcher().backend() == Backend.PROCESSES || nodes.size() < 2) {
            nodes.forEach(LocalProcessNode::launch);
            return;
        }
        Parallel.run(nodes.stream().<Runnable>map(n -> n::launch).toList(), "waymark-testkit-launch");
    }

    /** Stops {@code nodes} in parallel: SIGTERM to each, then waits for each. */
    static void stopAll(List<? extends LocalProcessNode> nodes) {
        List<ServerProcess> processes = new ArrayList<>();
        Duration grace = Duration.ZERO;
        for (LocalProcessNode n : nodes) {
            processes.add(n.process);
            grace = n.stopGrace.compareTo(grace) > 0 ? n.stopGrace : grace;
        }
        ServerProcess.stopAll(processes, grace);
    }

    /** The element of {@code nodes} that is {@code node} itself. */
    static <N extends LocalProcessNode> N member(List<N> nodes, Object node, String owner) {
        Objects.requireNonNull(node, "node");
        for (N n : nodes) {
            if (n == node) {
                return n;
            }
        }
        throw new IllegalArgumentException("not a node of this " + owner + ": " + node);
    }

    /** {@code nodes} without {@code excluded}, in order. */
    static <T> List<T> except(List<? extends T> nodes, T excluded) {
        List<T> out = new ArrayList<>();
        for (T n : nodes) {
            if (n != excluded) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * {@code call}'s answer from the first serving node of {@code nodes} that gives one.
     *
     * @throws IllegalStateException with {@code failure} and the last error when none answers
     */
    static <N extends LocalProcessNode, T> T firstAnswer(List<N> nodes, Function<N, T> call,
            String failure) {
        RuntimeException last = null;
        for (N n : nodes) {
            if (n.isServing()) {
                try {
                    return call.apply(n);
                } catch (RuntimeException e) {
                    last = e;
                }
            }
        }
        throw new IllegalStateException(failure, last);
    }
}
