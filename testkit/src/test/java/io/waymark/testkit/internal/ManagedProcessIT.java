package io.waymark.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("ManagedProcess")
class ManagedProcessIT {

    @TempDir
    Path dir;

    ManagedProcess process(String script) {
        return new ManagedProcess("test", () -> List.of("/bin/sh", "-c", script), dir,
                dir.resolve("out.log"), Map.of());
    }

    static String state(long pid) throws Exception {
        // third field of /proc/<pid>/stat: R, S, T (stopped), ...
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    }

    @Nested
    @DisplayName("fault controls")
    class Faults {

        @Test
        void freezeStopsAndThawContinuesTheProcess() throws Exception {
            ManagedProcess p = process("exec sleep 300");
            p.start();
            try {
                p.freeze();
                assertThat(state(p.pid())).isEqualTo("T");
                assertThat(p.isFrozen()).isTrue();
                p.thaw();
                assertThat(state(p.pid())).isNotEqualTo("T");
            } finally {
                p.kill();
            }
            assertThat(p.isRunning()).isFalse();
        }

        @Test
        void stopEndsEvenAFrozenProcess() {
            ManagedProcess p = process("exec sleep 300");
            p.start();
            long pid = p.pid();
            p.freeze();
            p.stop(Duration.ofSeconds(5));
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        }

        @Test
        void aTimedFreezeThawsOnItsOwn() throws Exception {
            ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
            ManagedProcess p = process("exec sleep 300");
            p.start();
            try {
                long t0 = System.nanoTime();
                p.freeze(Duration.ofMillis(500), scheduler);
                assertThat(state(p.pid())).isEqualTo("T");
                assertThat(p.isFrozen()).isTrue();
                Poll.until(Duration.ofSeconds(10), Duration.ofMillis(10), () -> !"T".equals(state(p.pid())),
                        () -> "still stopped");
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
                assertThat(p.isFrozen()).isFalse();
            } finally {
                p.kill();
                scheduler.shutdownNow();
            }
        }

        @Test
        void aKillOrThawDropsThePendingThaw() {
            ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
            scheduler.setRemoveOnCancelPolicy(true);
            ManagedProcess p = process("exec sleep 300");
            p.start();
            try {
                p.freeze(Duration.ofMinutes(5), scheduler);
                assertThat(scheduler.getQueue()).hasSize(1);
                p.thaw();
                assertThat(scheduler.getQueue()).isEmpty();
                p.freeze(Duration.ofMinutes(5), scheduler);
                p.kill();
                assertThat(scheduler.getQueue()).isEmpty();
                assertThat(p.isFrozen()).isFalse();
            } finally {
                p.kill();
                scheduler.shutdownNow();
            }
        }

        @Test
        void startAgainGetsANewPid() {
            ManagedProcess p = process("exec sleep 300");
            p.start();
            long first = p.pid();
            p.kill();
            p.start();
            try {
                assertThat(p.pid()).isNotEqualTo(first);
                assertThatThrownBy(p::start).hasMessageContaining("already running");
            } finally {
                p.kill();
            }
        }
    }

    @Nested
    @DisplayName("readiness failures")
    class Readiness {

        @Test
        void carryTheTailOfTheLog() {
            ManagedProcess p = process("echo first line; echo the real reason; exit 3");
            p.start();
            assertThatThrownBy(() -> Poll.until(Duration.ofSeconds(10), () -> {
                if (!p.isRunning()) {
                    throw new Poll.Abort("test exited");
                }
                return false;
            }, p::describe)).hasMessageContaining("test exited").hasMessageContaining("the real reason");
        }

        @Test
        void timeOutWithWhatWasSeen() {
            assertThatThrownBy(() -> Poll.until(Duration.ofMillis(200), () -> false, () -> "nothing yet"))
                    .hasMessageContaining("timed out after 200 ms").hasMessageContaining("nothing yet");
        }
    }
}
