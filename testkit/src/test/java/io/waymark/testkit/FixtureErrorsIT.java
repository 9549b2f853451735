package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

@DisplayName("fixture errors")
class FixtureErrorsIT {

    private static final List<String> HOSTS = List.of("127.0.0.91", "127.0.0.92", "127.0.0.93",
            "127.0.0.94", "127.0.0.95", "127.0.0.96");

    @Test
    @DisplayName("a port already taken names the fixture, what runs it, the port and what to do")
    void portTaken() throws Exception {
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.93"), 7300));
            assertThatThrownBy(() -> RedisCluster.builder().hosts(HOSTS).port(7300).addressWait(Duration.ZERO)
                    .start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("RedisCluster did not start (")
                    .hasMessageContaining(Backend.select("RedisCluster", List.of("redis-server")) == Backend.CONTAINERS
                            ? "image " : "local processes")
                    .hasMessageContaining("port 7300 on 127.0.0.93 is in use")
                    .hasMessageContaining("stop what listens there");
        }
        assertThat(LoopbackAddresses.bindable("127.0.0.91", 7300)).isTrue();
        assertThat(leftDirs("waymark-redis-cluster-")).isEmpty();
    }

    @Test
    @EnabledIfSystemProperty(named = Backend.PROPERTY, matches = "containers")
    @DisplayName("an image that lacks the server's binary names the fixture, the image, the binary and what to do")
    void imageWithoutTheBinary() throws Exception {
        String consulImage = ContainerLauncher.configured(Launcher.Image.CONSUL);
        String key = "waymark.testkit.image.redis";
        String before = System.getProperty(key);
        System.setProperty(key, consulImage == null ? Backend.DEFAULT_CONSUL_IMAGE : consulImage);
        try {
            assertThatThrownBy(() -> RedisReplication.builder().replicas(0).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("RedisReplication: cannot start redis-server")
                    .hasMessageContaining("in a container of image " + System.getProperty(key))
                    .hasMessageContaining("the image lacks redis-server")
                    .hasMessageContaining("give RedisReplication an image that has it");
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
        assertThat(leftDirs("waymark-redis-")).isEmpty();
    }

    /** Fixture dirs of this JVM still in the temp dir. */
    private static List<Path> leftDirs(String prefix) throws Exception {
        String owner = ProcessHandle.current().pid() + " ";
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .filter(p -> {
                        try {
                            return Files.readString(p.resolve(".waymark-owner")).startsWith(owner);
                        } catch (Exception e) {
                            return false;
                        }
                    }).toList();
        }
    }
}
