package io.waymark.redis.internal;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * When a round of {@code ROLE} probes of a standalone group may be decided: once every probe
 * answered or timed out; without waiting for the master's probe when its last one timed out
 * already (a suspect master: the round decides on the others' answers, the master's pending probe
 * counting as no answer yet); or, for a master not suspect yet, a short wait after another node
 * answered master while the master has not (an outside actor promoted it). A frozen master would
 * otherwise hold every round for the probe timeout, and the writes with it.
 *
 * <p><b>Threading:</b> stateless; the completions run on whichever thread completes a probe, the
 * wait on the scheduler.
 */
final class ProbeRound {

    private ProbeRound() {
    }

    /**
     * @param master the current master, or null
     * @param waitMillis how long a master whose last probe answered may stay silent once another node answered
     *     master
     */
    static <K, V> CompletableFuture<Void> decidable(Map<Node<K, V>, CompletableFuture<Node.Role>> probes,
            Node<K, V> master, long waitMillis, ScheduledExecutorService scheduler) {
        CompletableFuture<Void> all = CompletableFuture.allOf(probes.values().toArray(new CompletableFuture<?>[0]));
        CompletableFuture<Node.Role> masterProbe = master == null ? null : probes.get(master);
        if (masterProbe == null || probes.size() < 2) {
            return all;
        }
        if (master.probeTimeouts > 0) {
            return CompletableFuture.allOf(probes.entrySet().stream().filter(e -> e.getKey() != master)
                    .map(Map.Entry::getValue).toArray(CompletableFuture<?>[]::new));
        }
        CompletableFuture<Void> gate = new CompletableFuture<>();
        all.whenComplete((v, e) -> gate.complete(null));
        long wait = waitMillis;
        for (Map.Entry<Node<K, V>, CompletableFuture<Node.Role>> e : probes.entrySet()) {
            if (e.getKey() != master) {
                e.getValue().thenAccept(role -> {
                    if (role == Node.Role.MASTER && !masterProbe.isDone()) {
                        later(scheduler, wait, () -> gate.complete(null));
                    }
                });
            }
        }
        return gate;
    }

    /** Runs {@code task} on the scheduler after {@code millis} (at once when 0); not at all once it shut down. */
    static void later(ScheduledExecutorService scheduler, long millis, Runnable task) {
        if (millis <= 0) {
            task.run();
            return;
        }
        try {
            scheduler.schedule(task, millis, TimeUnit.MILLISECONDS);
        } catch (RuntimeException rejected) {
            // closing: nothing waits for it
        }
    }
}
