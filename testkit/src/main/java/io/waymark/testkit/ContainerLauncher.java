package io.waymark.testkit;

import io.waymark.testkit.internal.Commands;
import io.waymark.testkit.internal.ContainerProcess;
import io.waymark.testkit.internal.Docker;
import io.waymark.testkit.internal.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The containers backend: one container per server from the configured images (see
 * {@link Backend}), the fixture's dir mounted at its own path. Agent images for role checks are
 * built on first use unless configured; tools ({@code consul tls}) run in a helper container that
 * {@link #close()} removes.
 *
 * <p>Threading: thread-safe.
 */
final class ContainerLauncher extends Launcher {

    private final Path dir;
    /** Guarded by this. */
    private final Map<Image, ServerProcess> helpers = new EnumMap<>(Image.class);
    /** Guarded by this. */
    private boolean closed;
    private final Map<Image, String> resolved = new ConcurrentHashMap<>();

    ContainerLauncher(String fixture, Path dir) {
        super(fixture);
        this.dir = dir;
        // fail now, naming the fixture, rather than at the first server
        Docker.client(fixture);
    }

    @Override
    Backend backend() {
        return Backend.CONTAINERS;
    }

    @Override
    String binary(String name) {
        return name;
    }

    /** The image configured for {@code image}, built when it is an agent image nobody configured. */
    String image(Image image) {
        String known = resolved.get(image);
        if (known != null) {
            return known;
        }
        String configured = configured(image);
        String name = configured != null ? configured : switch (image) {
            case CONSUL -> Backend.DEFAULT_CONSUL_IMAGE;
            case REDIS -> Backend.DEFAULT_REDIS_IMAGE;
            case MARIADB -> Backend.DEFAULT_MARIADB_IMAGE;
            case CONSUL_REDIS -> Docker.agentImage(fixture, image(Image.REDIS), image(Image.CONSUL));
            case CONSUL_MARIADB -> Docker.agentImage(fixture, image(Image.MARIADB), image(Image.CONSUL));
        };
        resolved.putIfAbsent(image, name);
        return resolved.get(image);
    }

    /** {@code waymark.testkit.image.<key>} or {@code WAYMARK_TESTKIT_IMAGE_<KEY>}, else null. */
    static String configured(Image image) {
        return Backend.setting("waymark.testkit.image." + image.key,
                "WAYMARK_TESTKIT_IMAGE_" + image.key.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    @Override
    ServerProcess server(String name, Image image, Supplier<List<String>> command, Path workDir, Path log,
            Mounts mounts) {
        List<Path> readWrite = new ArrayList<>(List.of(dir));
        readWrite.addAll(mounts.readWrite());
        return new ContainerProcess(fixture, name, image(image), command, workDir, log, readWrite,
                mounts.readOnly());
    }

    /**
     * Runs the tool in a helper container of {@code image} kept for the fixture's life (one exec per
     * call: a container per call would copy the image each time), created on first use.
     */
    @Override
    Commands.Result runOnce(Image image, List<String> command, Path workDir, Duration timeout) {
        return helper(image).exec(command, workDir == null ? dir : workDir, timeout);
    }

    private synchronized ServerProcess helper(Image image) {
        if (closed) {
            throw new IllegalStateException(fixture + " is closed");
        }
        ServerProcess h = helpers.get(image);
        if (h == null || !h.isRunning()) {
            // tail -f /dev/null: idles in any image with a shell toolbox (busybox, coreutils)
            h = new ContainerProcess(fixture, "tools of " + fixture, image(image),
                    () -> List.of("tail", "-f", "/dev/null"), dir, dir.resolve("tools-" + image.key + ".log"),
                    List.of(dir), List.of());
            h.start();
            helpers.put(image, h);
        }
        return h;
    }

    /** Removes the helper containers. */
    @Override
    synchronized void close() {
        closed = true;
        helpers.values().forEach(ServerProcess::kill);
        helpers.clear();
    }

    @Override
    String describe(Image image) {
        return "image " + image(image);
    }

    @Override
    void requireTool(ServerProcess agent, Image image, String tool, String why) {
        Commands.Result r = agent.exec(List.of("sh", "-c", "command -v " + tool + " && command -v timeout"),
                null, Duration.ofSeconds(30));
        if (r.exit() != 0) {
            throw new IllegalStateException(fixture + ": " + agent.name() + " runs image " + image(image)
                    + ", which lacks " + tool + " (or sh/timeout) for " + why + ". Set waymark.testkit.image."
                    + image.key + " to an image with consul, sh, timeout and " + tool
                    + ", or leave it unset so the testkit builds one from the " + (image == Image.CONSUL_REDIS
                            ? "Redis" : "MariaDB") + " image and the Consul image's /bin/consul. Output: "
                    + r.output().trim());
        }
    }
}
