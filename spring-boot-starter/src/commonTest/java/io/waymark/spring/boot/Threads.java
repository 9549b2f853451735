package io.waymark.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;

/** Which threads a test left behind. */
final class Threads {

    private Threads() {
    }

    static Set<String> names() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .collect(Collectors.toCollection(HashSet::new));
    }

    /** Waits until no thread of the connectors or of Lettuce is alive that was not in {@code before}. */
    static void awaitNoneLeftSince(Set<String> before) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Set<String> after = names();
            after.removeAll(before);
            assertThat(after).noneMatch(n -> n.startsWith("waymark-redis") || n.startsWith("lettuce"));
        });
    }
}
