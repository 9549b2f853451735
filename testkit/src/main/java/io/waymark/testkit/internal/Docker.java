package io.waymark.testkit.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Image;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The Docker engine as the containers backend uses it, through Testcontainers' client: a clear
 * error when none answers, the labels that mark what this JVM made, the role-check agent images it
 * builds (removed at JVM exit), and the sweep of what a killed JVM left (containers and images whose
 * owner JVM is gone). Ryuk is not needed: the backend removes its containers on close and at exit.
 *
 * <p>Threading: thread-safe.
 */
public final class Docker {

    /** Label on every container and image this JVM makes: {@link Reaper#ownerId()}. */
    public static final String OWNER_LABEL = "io.waymark.testkit.owner";
    /** Label naming the fixture node a container runs. */
    public static final String NODE_LABEL = "io.waymark.testkit.node";

    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);
    private static final AtomicBoolean SWEPT = new AtomicBoolean();
    private static final Map<String, String> BUILT = new ConcurrentHashMap<>();

    private Docker() {}

    /**
     * Why no Docker engine answers, or null when one does (the test for the default backend).
     */
    public static String problem() {
        try {
            DockerClientFactory.instance().client();
            return null;
        } catch (RuntimeException e) {
            return describe(e);
        }
    }

    /**
     * The client, after a sweep of what dead JVMs left.
     *
     * @throws IllegalStateException naming {@code fixture}, the engine it tried and what to do, when
     *     no engine answers
     */
    public static DockerClient client(String fixture) {
        DockerClient client;
        try {
            client = DockerClientFactory.instance().client();
        } catch (RuntimeException e) {
            throw new IllegalStateException(noEngine(fixture, describe(e)), e);
        }
        if (SWEPT.compareAndSet(false, true)) {
            sweepOrphans(client);
        }
        return client;
    }

    /** The message for "no engine": what was tried, and both ways out. */
    public static String noEngine(String fixture, String reason) {
        String host = System.getenv("DOCKER_HOST");
        if (reason.contains("network bridge not found")) {
            // Testcontainers, itself in a container, asks the bridge network for the engine's address
            reason += "; an engine without a bridge network (host networking only) needs "
                    + "TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1";
        }
        return fixture + " runs on the containers backend, but no Docker engine answered (DOCKER_HOST="
                + (host == null ? "unset, so the default socket" : host) + "): " + reason
                + ". Start one and point DOCKER_HOST at it (Linux CI here: scripts/start-docker; a desktop: "
                + "Docker Desktop), or use the processes backend (-Dwaymark.testkit.backend=processes, "
                + "with consul, redis-server and mariadbd installed by scripts/install-prereqs).";
    }

    private static String describe(RuntimeException e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t + ")";
    }

    /**
     * An image with {@code dataImage}'s content and, as /usr/local/bin/consul, the /bin/consul of
     * {@code consulImage}: a Consul agent with the Redis or MariaDB client next to it, for the role
     * script checks. Built once per JVM with Testcontainers' image builder (COPY only, no RUN: no
     * network needed), removed at JVM exit.
     */
    public static String agentImage(String fixture, String dataImage, String consulImage) {
        String key = dataImage + "\n" + consulImage;
        return BUILT.computeIfAbsent(key, k -> build(fixture, dataImage, consulImage));
    }

    private static String build(String fixture, String dataImage, String consulImage) {
        DockerClient client = client(fixture);
        String owner = Reaper.ownerId();
        // one tag per JVM: another JVM removing its image at exit must not pull ours away
        String tag = "waymark-testkit/consul-agent:" + sha(dataImage + "\n" + consulImage + "\n" + owner);
        String dockerfile = "FROM " + consulImage + " AS consul\n"
                + "FROM " + dataImage + "\n"
                + "COPY --from=consul /bin/consul /usr/local/bin/consul\n"
                + "LABEL " + OWNER_LABEL + "=\"" + owner + "\"\n";
        Reaper.atExit(() -> removeImage(client, tag));
        try {
            new ImageFromDockerfile(tag, false).withFileFromString("Dockerfile", dockerfile)
                    .get(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return tag;
        } catch (Exception e) {
            throw new IllegalStateException(fixture + ": cannot build the Consul agent image for role checks"
                    + " from " + dataImage + " (the Redis/MariaDB client) and " + consulImage
                    + " (/bin/consul): " + describe(e instanceof RuntimeException r ? r
                            : new IllegalStateException(e.toString(), e))
                    + ". Both images must exist locally or be pullable, and " + consulImage
                    + " must hold /bin/consul (as hashicorp/consul does); or set "
                    + "waymark.testkit.image.consul-redis / waymark.testkit.image.consul-mariadb to an image "
                    + "that has consul and the client already.", e);
        }
    }

    /** Whether {@code image} exists on the engine. */
    public static boolean imageExists(DockerClient client, String image) {
        try {
            client.inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    static void removeImage(DockerClient client, String image) {
        try {
            client.removeImageCmd(image).withForce(true).exec();
        } catch (NotFoundException e) {
            // never built, or gone already
        }
    }

    static void removeContainer(DockerClient client, String id) {
        try {
            client.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException e) {
            // gone already
        } catch (RuntimeException e) {
            // "removal already in progress" (Testcontainers' own exit hook): it goes either way
            if (!String.valueOf(e.getMessage()).contains("already in progress")) {
                throw e;
            }
        }
    }

    /** Removes the containers, then the images, whose owner JVM is gone. */
    static void sweepOrphans(DockerClient client) {
        try {
            List<Container> containers = client.listContainersCmd().withShowAll(true)
                    .withLabelFilter(List.of(OWNER_LABEL)).exec();
            for (Container c : containers) {
                String owner = c.getLabels() == null ? null : c.getLabels().get(OWNER_LABEL);
                if (owner != null && Reaper.ownerGone(owner)) {
                    removeContainer(client, c.getId());
                }
            }
            List<Image> images = client.listImagesCmd().withLabelFilter(OWNER_LABEL).exec();
            for (Image i : images) {
                String owner = i.getLabels() == null ? null : i.getLabels().get(OWNER_LABEL);
                if (owner != null && Reaper.ownerGone(owner)) {
                    removeImage(client, i.getId());
                }
            }
        } catch (RuntimeException e) {
            System.err.println("waymark-testkit: sweeping containers of dead JVMs failed: " + e);
        }
    }

    private static String sha(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
