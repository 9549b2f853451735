package io.waymark.testkit;

import io.waymark.testkit.internal.Poll;
import io.waymark.testkit.internal.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
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

    /** What runs one kind of server: its binary, its image, its log file, how long a stop may take. */
    record Kind(String binary, Launcher.Image image, String logFile, Duration stopGrace) {
        static final Kind REDIS = new Kind("redis-server", Launcher.Image.REDIS, "redis.log",
                Duration.ofSeconds(10));
        static final Kind MARIADB = new Kind("mariadbd", Launcher.Image.MARIADB, "mariadbd.log",
                Duration.ofSeconds(30));

        /** A Consul agent from {@code image}: plain Consul, or with the client its role checks run. */
        static Kind consul(Launcher.Image image) {
            return new Kind("consul", image, "consul.log", Duration.ofSeconds(10));
        }
    }

    private final String host;
    private final int port;
    private final Path dir;
    private final String binary;
    private final List<String> options;
    private final Duration readyTimeout;
    private final Duration stopGrace;
    private final ServerProcess process;
    private final FixtureResources resources;

    /**
     * @param name the process name in messages, e.g. "redis-server 127.0.0.5:6379"
     * @param dirName the node's own dir (its working dir) inside the fixture's
     * @param port the port clients talk to
     * @param resources the owning fixture's, for the launcher and the scheduler of timed thaws
     * @param readyTimeout bound of the readiness wait after {@link #start()}
     * @param readOnly further dirs it reads (check scripts), mounted on the containers backend
     * @param options the caller's server options (checked by {@link Checks#serverOption}), after the
     *     fixture's own on every command line
     */
    LocalProcessNode(Kind kind, String name, String dirName, String host, int port, FixtureResources resources,
            Duration readyTimeout, List<Path> readOnly, List<String> options) {
        this.resources = resources;
        this.host = host;
        this.port = port;
        this.dir = resources.dir().resolve(dirName);
        this.binary = resources.launcher().binary(kind.binary());
        this.options = List.copyOf(options);
        this.readyTimeout = readyTimeout;
        this.stopGrace = kind.stopGrace();
        // the command line is evaluated at each start, after construction, so that a restart carries
        // the node's current role
        this.process = resources.launcher().server(name, kind.image(), this::commandLine, dir,
                dir.resolve(kind.logFile()), new Launcher.Mounts(namedPaths(this.options), readOnly));
    }

    /**
     * A node without further read-only dirs, named in messages by its binary and address, e.g.
     * "redis-server 127.0.0.5:6379".
     */
    LocalProcessNode(Kind kind, String dirName, String host, int port, FixtureResources resources,
            Duration readyTimeout, List<String> options) {
        this(kind, kind.binary() + " " + host + ":" + port, dirName, host, port, resources, readyTimeout,
                List.of(), options);
    }

    /**
     * The fixture's options then the caller's: where a server takes the last of repeated settings
     * (mariadbd, redis-server, consul), the caller's wins.
     */
    private List<String> commandLine() {
        List<String> cmd = new ArrayList<>(command());
        cmd.addAll(options);
        return cmd;
    }

    /**
     * The existing absolute host paths that {@code options} name ("--x=/a/b", "--x /a/b"): the
     * containers backend mounts them at their own path (read-write, as the processes backend sees
     * them), so that an option means the same on both backends.
     */
    static List<Path> namedPaths(List<String> options) {
        Set<Path> paths = new LinkedHashSet<>();
        for (String option : options) {
            String[] words = option.substring(2).split("[=\\s]+");
            for (int i = 1; i < words.length; i++) {
                Path p = Path.of(words[i]).normalize();
                if (p.isAbsolute() && p.getNameCount() > 0 && Files.exists(p)) {
                    paths.add(p);
                }
            }
        }
        return List.copyOf(paths);
    }

    /** The node's own dir (its working dir) inside the fixture's. */
    Path dir() {
        return dir;
    }

    /** The fixture's launcher, for what runs next to the server (installers, clients). */
    Launcher launcher() {
        return resources.launcher();
    }

    /** The server's binary: a resolved path, or its name in the image. */
    String binary() {
        return binary;
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
