package io.waymark.testkit;

import io.waymark.testkit.internal.Commands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The PEM files of a secured {@link ConsulCluster}, made the way Consul's own guide makes them:
 * {@code consul tls ca create}, then {@code consul tls cert create -server} per server,
 * {@code -client} per client agent and {@code -cli} for API clients. Every agent certificate also
 * names the agent's own address (so a client verifying the host name by address succeeds);
 * besides, server certificates name {@code server.<dc>.consul} and {@code localhost}, client agent
 * certificates {@code client.<dc>.consul} and {@code localhost}. Everything lives in one dir of
 * the fixture's temp dir; keys are readable by their owner only.
 *
 * <p>Threading: not thread-safe; used by the builder that starts the cluster, and
 * {@link #untrusted()} under the caller's lock.
 */
final class ConsulCertificates {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    /** A certificate and its key. */
    record Pair(Path certificate, Path key) {}

    /**
     * What runs {@code consul <args>} in a dir: the local binary, or a container of the fixture's
     * Consul image; {@code what} and {@code advice} go into failures.
     */
    record Tool(Runner runner, String what, String advice) {

        /** The local binary at {@code consul}. */
        static Tool local(String consul) {
            return new Tool((args, dir, timeout) -> {
                List<String> cmd = new ArrayList<>();
                cmd.add(consul);
                cmd.addAll(args);
                return Commands.run(cmd, dir, timeout);
            }, consul, "run scripts/install-prereqs");
        }

        /** Through the fixture's launcher (a local binary or a container). */
        static Tool of(Launcher launcher) {
            if (launcher.backend() == Backend.PROCESSES) {
                return local(launcher.binary("consul"));
            }
            return new Tool((args, dir, timeout) -> {
                List<String> cmd = new ArrayList<>();
                cmd.add("consul");
                cmd.addAll(args);
                return launcher.runOnce(Launcher.Image.CONSUL, cmd, dir, timeout);
            }, launcher.describe(Launcher.Image.CONSUL), "set waymark.testkit.image.consul to an image with a "
                    + "consul of 1.4 or later at /bin/consul");
        }
    }

    /** Runs {@code consul <args>} in {@code dir}. */
    interface Runner {
        Commands.Result run(List<String> args, Path dir, Duration timeout);
    }

    private final Tool consul;
    private final Path dir;
    private final String datacenter;
    private final Path ca;
    private final Path caKey;

    private ConsulCertificates(Tool consul, Path dir, String datacenter, Path ca, Path caKey) {
        this.consul = consul;
        this.dir = dir;
        this.datacenter = datacenter;
        this.ca = ca;
        this.caKey = caKey;
    }

    /**
     * A new CA in {@code dir} (created), made by the {@code consul} binary at {@code consul}.
     *
     * @throws IllegalStateException naming scripts/install-prereqs when that consul has no
     *     {@code tls} command or it fails
     */
    static ConsulCertificates create(String consul, Path dir, String datacenter) {
        return create(Tool.local(consul), dir, datacenter);
    }

    /** A new CA in {@code dir} (created), made by {@code consul}. */
    static ConsulCertificates create(Tool consul, Path dir, String datacenter) {
        Path caDir = mkdirs(dir.resolve("ca"));
        run(consul, caDir, List.of("tls", "ca", "create"));
        Path ca = only(caDir, "-agent-ca.pem");
        Path caKey = only(caDir, "-agent-ca-key.pem");
        return new ConsulCertificates(consul, dir, datacenter, ca, caKey);
    }

    Path ca() {
        return ca;
    }

    /** A {@code -server} certificate for server {@code nodeName} on {@code host}. */
    Pair server(String nodeName, String host) {
        return cert("agent-" + nodeName, List.of("-server", "-node", nodeName, "-additional-ipaddress", host));
    }

    /** A {@code -client} certificate for client agent {@code nodeName} on {@code host}. */
    Pair clientAgent(String nodeName, String host) {
        return cert("agent-" + nodeName, List.of("-client", "-additional-ipaddress", host));
    }

    /** The {@code -cli} certificate that API clients present. */
    ConsulSecurity.TlsFiles cli() {
        Pair p = cert("api-client", List.of("-cli"));
        return new ConsulSecurity.TlsFiles(ca, p.certificate(), p.key());
    }

    /** Another CA, trusted by no agent, with a {@code -cli} certificate of its own. */
    ConsulSecurity.TlsFiles untrusted() {
        ConsulCertificates other = create(consul, dir.resolve("untrusted"), datacenter);
        return other.cli();
    }

    private Pair cert(String name, List<String> kind) {
        Path out = mkdirs(dir.resolve(name));
        List<String> args = new ArrayList<>(List.of("tls", "cert", "create"));
        args.addAll(kind);
        args.addAll(List.of("-dc", datacenter, "-ca", ca.toString(), "-key", caKey.toString()));
        run(consul, out, args);
        return new Pair(only(out, "-consul-0.pem"), only(out, "-consul-0-key.pem"));
    }

    private static void run(Tool consul, Path dir, List<String> args) {
        Commands.Result r = consul.runner().run(args, dir, COMMAND_TIMEOUT);
        if (r.exit() != 0) {
            // the output names files and flags only: consul prints no key material
            throw new IllegalStateException("`consul " + String.join(" ", args) + "` failed (exit "
                    + r.exit() + ") with " + consul.what() + " (" + version(consul) + "); a secured "
                    + "ConsulCluster needs a consul with the `tls` command (1.4 or later): "
                    + consul.advice() + ". Output:\n" + r.output().trim());
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith("-key.pem")).toList()) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restrict the key files in " + dir, e);
        }
    }

    private static String version(Tool consul) {
        try {
            String out = consul.runner().run(List.of("version"), null, COMMAND_TIMEOUT).output().trim();
            return out.isEmpty() ? "version unknown" : out.lines().findFirst().orElse(out);
        } catch (RuntimeException e) {
            return "version unknown";
        }
    }

    /** The one file in {@code dir} whose name ends with {@code suffix}. */
    private static Path only(Path dir, String suffix) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> match = files.filter(f -> f.getFileName().toString().endsWith(suffix)).toList();
            if (match.size() != 1) {
                throw new IllegalStateException("expected one *" + suffix + " in " + dir + ", found " + match);
            }
            return match.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static Path mkdirs(Path d) {
        try {
            return Files.createDirectories(d);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + d, e);
        }
    }
}
