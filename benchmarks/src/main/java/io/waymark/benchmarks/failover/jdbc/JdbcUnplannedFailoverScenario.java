package io.waymark.benchmarks.failover.jdbc;

import io.waymark.benchmarks.failover.ClientResult;
import io.waymark.benchmarks.failover.HarnessSettings;
import io.waymark.benchmarks.failover.Scenario;
import io.waymark.testkit.MariaDbNode;
import io.waymark.testkit.Promotion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Issue 13's scenario 6: an unplanned failure of the MariaDB primary, and a replica promoted by an
 * outside actor (the testkit's {@code promoteWhenPrimaryFails}: it probes the primary every 100 ms
 * and, {@value #PROMOTION_DELAY_SECONDS} s after two probes in a row failed, promotes the replica
 * that received the most, repoints the others and fences the old primary {@code read_only} as soon
 * as it answers again). The primary is killed ({@code kill -9}) or frozen (SIGSTOP for
 * {@value #FROZEN_FOR_SECONDS} s, then thawed by the fixture). Both clients of {@link JdbcBench}
 * insert side by side during the same failures. Replication is semi-synchronous
 * ({@code AFTER_SYNC}), so that an acknowledged insert lost is the client's doing.
 *
 * <p>Each failure uses up a primary (the old one comes back, if at all, read-only and detached),
 * so the failures run on fixtures of {@value #PER_FIXTURE} replicas each, as many as needed.
 *
 * <p>Threading: {@link #run} is not reentrant; one run at a time per instance.
 */
public final class JdbcUnplannedFailoverScenario implements Scenario {

    /** What happens to the primary. */
    public enum Fault {
        /** SIGKILL: a crash, every socket closed. */
        KILL,
        /** SIGSTOP, then SIGCONT: a paused VM or a partition that heals; connections accepted, nobody answers. */
        FREEZE
    }

    static final int PROMOTION_DELAY_SECONDS = 3;
    static final int FROZEN_FOR_SECONDS = 12;
    /** Replicas per fixture: the testkit starts at most 4. */
    static final int PER_FIXTURE = 4;

    private final Fault fault;

    public JdbcUnplannedFailoverScenario(Fault fault) {
        this.fault = fault;
    }

    @Override
    public String title() {
        return "MariaDB primary " + (fault == Fault.KILL ? "killed (kill -9)" : "frozen (SIGSTOP " + FROZEN_FOR_SECONDS
                + " s)") + ", a replica promoted " + PROMOTION_DELAY_SECONDS + " s later by an outside actor, HikariCP";
    }

    @Override
    public String gapDefinition() {
        return "from the promotion (the moment the outside actor made the replica writable) to the first insert"
                + " acknowledged by the promoted replica (the server that executed a row is recorded in it:"
                + " @@server_id); \"never\" when none came within " + JdbcBench.RECOVERY_TIMEOUT.toSeconds() + " s."
                + " Both clients insert side by side during the same failures (" + WriteLoad.DESCRIPTION + ")."
                + " Replication is semi-synchronous (AFTER_SYNC), so that what is lost is the client's doing. "
                + OperatorRepointedClient.DESCRIPTION + " Caller errors = SQLExceptions thrown to the writers. Writes"
                + " accepted by a replica = rows the replaced primary holds that the final primary lacks (read from it"
                + " once it is awake again; a killed one stays down): a frozen primary runs what was in its socket"
                + " buffers when it wakes up, and may acknowledge it. Acknowledged writes lost = acknowledged rows missing"
                + " on the primary at the end.";
    }

    /** One failure: the server ids, and when the promotion made the replica writable. */
    private record Failover(int oldId, int newId, long promotedNanos) {
    }

    @Override
    public List<ClientResult> run(HarnessSettings settings) throws Exception {
        Map<String, Tally> tallies = new HashMap<>();
        List<String> order = new ArrayList<>();
        for (int done = 0; done < settings.failovers(); done += PER_FIXTURE) {
            int n = Math.min(PER_FIXTURE, settings.failovers() - done);
            try (JdbcBench bench = JdbcBench.start(n, settings, true)) {
                runOn(bench, n, settings, tallies, order);
            }
        }
        return order.stream().map(name -> tallies.get(name).result()).toList();
    }

    private void runOn(JdbcBench bench, int failures, HarnessSettings settings, Map<String, Tally> tallies,
            List<String> order) throws Exception {
        List<Failover> failovers = new ArrayList<>();
        Map<MariaDbNode, Failover> replaced = new HashMap<>();
        bench.startClients(settings);
        for (int i = 0; i < failures; i++) {
            MariaDbNode old = bench.db.primary();
            Promotion<MariaDbNode> promotion = bench.db.promoteWhenPrimaryFails(
                    Duration.ofSeconds(PROMOTION_DELAY_SECONDS));
            bench.operator().failoverIssued();
            if (fault == Fault.KILL) {
                old.kill();
            } else {
                old.freeze(Duration.ofSeconds(FROZEN_FOR_SECONDS));
            }
            MariaDbNode promoted = promotion.await(JdbcBench.RECOVERY_TIMEOUT);
            long promotedNanos = promotion.promotedAtNanos();
            Failover f = new Failover(bench.serverIds.get(old.host()), bench.serverIds.get(promoted.host()),
                    promotedNanos);
            failovers.add(f);
            replaced.put(old, f);
            // bounded: a client that never recovers shows up as "never" in the table
            bench.awaitEveryClientOn(promoted.host(), promotedNanos);
            if (fault == Fault.FREEZE) {
                // the fixture thaws it, the outside actor fences it: the next failure starts from a quiet state
                JdbcBench.awaitQuietly(old::isReadOnly, Duration.ofSeconds(FROZEN_FOR_SECONDS + 30));
            }
            Thread.sleep(settings.settleBetween().toMillis());
        }
        long endNanos = System.nanoTime();
        bench.stopClients();
        Map<String, Map<Long, JdbcBench.Row>> rows = bench.rows(bench.db.primary());
        // per client: the rows a replaced primary has that the final one lacks (read once it is awake again)
        Map<String, List<Long>> takenByOld = new HashMap<>();
        for (Map.Entry<MariaDbNode, Failover> r : replaced.entrySet()) {
            if (r.getKey().isRunning() && !r.getKey().isFrozen()) {
                int oldId = r.getValue().oldId();
                bench.rows(r.getKey()).forEach((client, byKey) -> byKey.forEach((key, row) -> {
                    if (row.origin() == oldId && !rows.getOrDefault(client, Map.of()).containsKey(key)) {
                        takenByOld.computeIfAbsent(client, k -> new ArrayList<>()).add(key);
                    }
                }));
            }
        }
        for (WriteLoad load : bench.loads()) {
            String name = load.client().name();
            if (!tallies.containsKey(name)) {
                order.add(name);
            }
            Tally t = tallies.computeIfAbsent(name, Tally::new);
            Map<Long, JdbcBench.Row> mine = rows.getOrDefault(load.client().tag(), Map.of());
            for (int i = 0; i < failovers.size(); i++) {
                Failover f = failovers.get(i);
                long windowEnd = i + 1 < failovers.size() ? failovers.get(i + 1).promotedNanos() : endNanos;
                long gap = load.firstAckOn(mine, f.newId(), f.promotedNanos(), windowEnd);
                t.gaps.add(gap < 0 || gap > JdbcBench.RECOVERY_TIMEOUT.toNanos() ? -1 : TimeUnit.NANOSECONDS.toMillis(gap));
            }
            t.add(load, JdbcBench.lost(load, mine), takenByOld.getOrDefault(load.client().tag(), List.of()));
            if (load.client() instanceof OperatorRepointedClient operator) {
                t.repoints += operator.repoints();
                t.reactions.addAll(operator.reactionMillis());
            }
        }
    }

    /** One client's results over every fixture. */
    private static final class Tally {
        final String client;
        final List<Long> gaps = new ArrayList<>();
        final Map<String, Long> errorKinds = new HashMap<>();
        final List<Long> reactions = new ArrayList<>();
        long writes;
        long errors;
        long lost;
        long takenByOld;
        /** Of those, the ones the caller was told succeeded: lost with the detached old primary. */
        long takenByOldAcked;
        int repoints;
        boolean operator;

        Tally(String client) {
            this.client = client;
        }

        void add(WriteLoad load, long lost, List<Long> takenByOld) {
            writes += load.ackCount();
            errors += load.errors();
            this.lost += lost;
            this.takenByOld += takenByOld.size();
            java.util.Set<Long> acked = new java.util.HashSet<>();
            load.acks().forEach(a -> acked.add(JdbcBench.key(a.writer(), a.seq())));
            takenByOldAcked += takenByOld.stream().filter(acked::contains).count();
            load.errorCounts().forEach((k, v) -> errorKinds.merge(k, v, Long::sum));
            operator |= load.client() instanceof OperatorRepointedClient;
        }

        ClientResult result() {
            List<String> note = new ArrayList<>();
            if (operator) {
                note.add(OperatorRepointedClient.note(repoints, reactions));
            }
            if (errors > 0) {
                note.add("errors (code/SQLState): " + WriteLoad.describe(errorKinds));
            }
            if (takenByOld > 0) {
                note.add(takenByOldAcked + " of the " + takenByOld + " writes only the replaced primary holds were"
                        + " acknowledged to the caller (the rest had failed with an unknown outcome)");
            }
            long never = gaps.stream().filter(g -> g < 0).count();
            if (never > 0) {
                note.add(String.format(Locale.ROOT, "%d failover(s) without an insert on the promoted replica within"
                        + " %d s", never, JdbcBench.RECOVERY_TIMEOUT.toSeconds()));
            }
            return new ClientResult(client, gaps, writes, errors, takenByOld, lost, String.join("; ", note));
        }
    }
}
