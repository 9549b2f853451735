package io.waymark.testkit;

import io.waymark.testkit.internal.Commands;
import io.waymark.testkit.internal.ContainerProcess;
import io.waymark.testkit.internal.Docker;
import io.waymark.testkit.internal.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The containers backend: one container per server from the configured images (see
 * {@link Backend}), the fixture's dir mounted at its own path. Agent images for role checks are
 * built on first use unless configured.
 *
 * <p>Threading: thread-safe.
 */
final class ContainerLauncher extends Launcher {

    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Path dir;
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
            List<Path> readOnly) {
        return new ContainerProcess(fixture, name, image(image), command, workDir, log, List.of(dir), readOnly);
    }

    @Override
    Commands.Result runOnce(Image image, List<String> command, Path workDir, Duration timeout) {
        Path in = workDir == null ? dir : workDir;
        Path log = dir.resolve("run-once-" + RUNS.incrementAndGet() + ".log");
        ContainerProcess p = new ContainerProcess(fixture, command.get(0) + " " + command.get(1), image(image),
                () -> command, in, log, List.of(dir), List.of());
        try {
            p.start();
            Integer exit = p.awaitExit(timeout);
            if (exit == null) {
                throw new IllegalStateException(fixture + ": " + String.join(" ", command)
                        + " did not finish within " + timeout.toMillis() + " ms in image " + image(image));
            }
            return new Commands.Result(exit, Files.exists(log) ? Files.readString(log) : "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            p.kill();
            try {
                Files.deleteIfExists(log);
            } catch (IOException e) {
                // the fixture dir goes on close anyway
            }
        }
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
