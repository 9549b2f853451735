package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/** Pid checks for "closing leaves nothing behind". */
final class Pids {

    private Pids() {}

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Asserts that every one of {@code pids} is alive before {@code close} and gone after it. */
    static void assertCloseEndsAll(List<Long> pids, Runnable close) {
        assertThat(pids).allMatch(Pids::alive);
        close.run();
        assertThat(pids).noneMatch(Pids::alive);
    }
}
