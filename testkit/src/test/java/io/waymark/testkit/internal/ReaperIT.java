package io.waymark.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Reaper")
class ReaperIT {

    @Test
    @DisplayName("sweeps the processes and dir of a fixture whose JVM died without cleaning up")
    void sweepsOrphansOfADeadJvm() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor(5, TimeUnit.SECONDS);
        Path dir = Files.createTempDirectory("waymark-orphan-");
        Files.writeString(dir.resolve(".waymark-owner"), gone.pid() + " 1970-01-01T00:00:00Z");
        Path node = Files.createDirectories(dir.resolve("node1"));
        Process orphan = new ProcessBuilder("sleep", "300").directory(node.toFile()).start();
        Path keepDir = Files.createTempDirectory("waymark-alive-");
        Files.writeString(keepDir.resolve(".waymark-owner"),
                ProcessHandle.current().pid() + " "
                        + ProcessHandle.current().info().startInstant().orElseThrow());
        Process kept = new ProcessBuilder("sleep", "300").directory(keepDir.toFile()).start();
        try {
            Reaper.sweepOrphans();
            assertThat(orphan.waitFor(5, TimeUnit.SECONDS)).isTrue();
            assertThat(dir).doesNotExist();
            assertThat(kept.isAlive()).isTrue();
            assertThat(keepDir).exists();
        } finally {
            orphan.destroyForcibly();
            kept.destroyForcibly();
            Reaper.deleteRecursively(keepDir);
            Reaper.deleteRecursively(dir);
        }
    }
}
