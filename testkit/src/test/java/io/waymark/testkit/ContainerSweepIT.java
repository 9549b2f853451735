package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import io.waymark.testkit.internal.Docker;
import io.waymark.testkit.internal.DockerSweep;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

@EnabledIfSystemProperty(named = Backend.PROPERTY, matches = "containers")
@DisplayName("containers of a dead JVM")
class ContainerSweepIT {

    @Test
    @DisplayName("are removed by the next JVM's sweep; those of a live JVM stay")
    void areSwept() throws Exception {
        DockerClient client = Docker.client("ContainerSweepIT");
        String image = ContainerLauncher.configured(Launcher.Image.CONSUL);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor(5, TimeUnit.SECONDS);
        String dead = client.createContainerCmd(image).withEntrypoint("true")
                .withLabels(Map.of(Docker.OWNER_LABEL, gone.pid() + " 1970-01-01T00:00:00Z")).exec().getId();
        String alive = client.createContainerCmd(image).withEntrypoint("true")
                .withLabels(Map.of(Docker.OWNER_LABEL, io.waymark.testkit.internal.Reaper.ownerId())).exec().getId();
        try {
            DockerSweep.sweep(client);
            List<String> left = client.listContainersCmd().withShowAll(true).exec().stream()
                    .map(c -> c.getId()).toList();
            assertThat(left).doesNotContain(dead).contains(alive);
        } finally {
            client.removeContainerCmd(alive).withForce(true).exec();
            if (client.listContainersCmd().withShowAll(true).exec().stream().anyMatch(c -> c.getId().equals(dead))) {
                client.removeContainerCmd(dead).withForce(true).exec();
            }
        }
    }
}
