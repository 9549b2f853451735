package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.waymark.testkit.ConsulAgent;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.ConsulSecurity;
import io.waymark.testkit.ServiceSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM whose only Consul configuration is the environment, as the consul CLI would have it:
 * resolve and watch over mTLS (consul tls's PEM files, SEC 1 EC key) with the token from a
 * file, against a real secured Consul. The variables are the real process environment of a
 * child JVM ({@link EnvironmentChild}); the in-process tests inject a map instead.
 */
class EnvironmentIT {

    @TempDir
    Path dir;

    @Test
    @DisplayName("CONSUL_HTTP_ADDR + CONSUL_HTTP_SSL + CONSUL_CACERT + CONSUL_CLIENT_CERT/KEY + CONSUL_TLS_SERVER_NAME "
            + "+ CONSUL_HTTP_TOKEN_FILE")
    void onlyEnvironment() throws Exception {
        try (ConsulCluster consul = ConsulCluster.builder().secured().servers(1).clientAgent("app").start()) {
            ConsulSecurity s = consul.security();
            ConsulAgent server = consul.servers().get(0);
            server.register(ServiceSpec.builder("env-web").id("env-web-1").address("127.0.0.71").port(80).build());
            Path token = Files.writeString(dir.resolve("token"), s.readToken().secretId() + "\n");

            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), EnvironmentChild.class.getName(), "env-web");
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(k -> k.startsWith("CONSUL_"));
            // no scheme in the address: CONSUL_HTTP_SSL; checked against "localhost", which every certificate carries
            env.put("CONSUL_HTTP_ADDR", consul.agent("app").httpsAddress());
            env.put("CONSUL_HTTP_SSL", "true");
            env.put("CONSUL_CACERT", s.tls().caCertificate().toString());
            env.put("CONSUL_CLIENT_CERT", s.tls().clientCertificate().toString());
            env.put("CONSUL_CLIENT_KEY", s.tls().clientKey().toString());
            env.put("CONSUL_TLS_SERVER_NAME", s.tlsServerName());
            env.put("CONSUL_HTTP_TOKEN_FILE", token.toString());
            pb.redirectError(dir.resolve("child.err").toFile());
            Process child = pb.start();
            try {
                BlockingQueue<String> lines = new LinkedBlockingQueue<>();
                Thread reader = new Thread(() -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                            StandardCharsets.UTF_8))) {
                        for (String line = r.readLine(); line != null; line = r.readLine()) {
                            lines.add(line);
                        }
                    } catch (IOException e) {
                        // the child ended
                    }
                }, "environment-it-child-output");
                reader.setDaemon(true);
                reader.start();

                assertThat(next(lines)).isEqualTo("RESOLVED [127.0.0.71:80]");
                assertThat(next(lines)).isEqualTo("WATCH [127.0.0.71:80]");
                server.register(ServiceSpec.builder("env-web").id("env-web-2").address("127.0.0.72").port(80).build());
                assertThat(next(lines)).isEqualTo("WATCH [127.0.0.71:80, 127.0.0.72:80]");

                child.getOutputStream().close();
                assertThat(child.waitFor(20, TimeUnit.SECONDS)).as("the child ends when its input closes").isTrue();
                assertThat(child.exitValue()).isZero();
                assertThat(Files.readString(dir.resolve("child.err"))).doesNotContain(s.readToken().secretId());
            } finally {
                child.destroyForcibly();
            }
        }
    }

    private String next(BlockingQueue<String> lines) throws Exception {
        String line = lines.poll(30, TimeUnit.SECONDS);
        assertThat(line).as("a line from the child within 30 s; its stderr:\n%s", stderr()).isNotNull();
        return line;
    }

    private String stderr() throws IOException {
        Path f = dir.resolve("child.err");
        return Files.exists(f) ? Files.readString(f) : "";
    }
}
