package io.waymark.benchmarks.failover.jdbc;

import io.waymark.benchmarks.failover.ClientResult;
import io.waymark.benchmarks.failover.HarnessSettings;
import io.waymark.benchmarks.failover.Scenario;
import io.waymark.testkit.MariaDbNode;
import io.waymark.testkit.MariaDbReplication;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * MariaDB primary + 1 replica (GTID replication, testkit) behind Consul (one server, a client
 * agent per database node with the seed's {@code @@read_only} role checks at the settings' check
 * interval), and N coordinated switchovers (the testkit's {@code MariaDbReplication.switchover}:
 * primary read_only, replica caught up, promoted, the old primary repointed), alternating between
 * the two nodes.
 *
 * <p>Two clients insert side by side during the same switchovers, each through HikariCP with
 * {@code writers} auto-commit writer threads: HikariCP on {@code jdbc:consul:mariadb://
 * w-master-mysql-3306.service.consul/...} (Waymark), and HikariCP on a fixed
 * {@code jdbc:mariadb://<primary>:3306/...} URL that an operator script repoints (see
 * {@link OperatorRepointedClient}). Same pool settings for both.
 *
 * <p>Threading: {@link #run} is not reentrant; one run at a time per instance.
 */
public final class JdbcFailoverScenario implements Scenario {

    @Override
    public String title() {
        return "MariaDB primary + replica, coordinated switchover, HikariCP";
    }

    @Override
    public String gapDefinition() {
        return "from the switchover being issued to the first insert acknowledged by the new primary (the server "
                + "that executed a row is recorded in it: @@server_id); \"never\" when none came within "
                + JdbcBench.RECOVERY_TIMEOUT.toSeconds() + " s. Both clients insert side by side during the same"
                + " switchovers (" + WriteLoad.DESCRIPTION + "). " + OperatorRepointedClient.DESCRIPTION
                + " Caller errors = SQLExceptions thrown to the writers. Writes accepted by a replica = rows executed"
                + " on a node (NOW(6) on that node) after its demotion had completed and before its next promotion"
                + " was issued. Acknowledged writes lost = acknowledged rows missing on the final primary.";
    }

    private record Switchover(int oldId, int newId, String newHost, long issuedNanos, long issuedMillis,
            long demotedMillis) {
    }

    @Override
    public List<ClientResult> run(HarnessSettings settings) throws Exception {
        try (JdbcBench bench = JdbcBench.start(1, settings, false)) {
            MariaDbReplication db = bench.db;
            int initialReplicaId = bench.serverIds.get(db.replicas().get(0).host());
            List<Switchover> switchovers = new ArrayList<>();
            bench.startClients(settings);
            for (int i = 0; i < settings.failovers(); i++) {
                MariaDbNode old = db.primary();
                MariaDbNode target = db.replicas().get(0);
                bench.operator().failoverIssued();
                long issuedNanos = System.nanoTime();
                long issuedMillis = System.currentTimeMillis();
                db.switchover(target);
                long demotedMillis = System.currentTimeMillis();
                switchovers.add(new Switchover(bench.serverIds.get(old.host()), bench.serverIds.get(target.host()),
                        target.host(), issuedNanos, issuedMillis, demotedMillis));
                // bounded: a client that never recovers shows up as "never" in the table
                bench.awaitEveryClientOn(target.host(), issuedNanos);
                Thread.sleep(settings.settleBetween().toMillis());
            }
            long endNanos = System.nanoTime();
            long endMillis = System.currentTimeMillis();
            bench.stopClients();
            Map<String, Map<Long, JdbcBench.Row>> rows = bench.rows(db.primary());
            List<ClientResult> results = new ArrayList<>();
            for (WriteLoad l : bench.loads()) {
                results.add(result(l, rows.getOrDefault(l.client().tag(), Map.of()), switchovers, initialReplicaId,
                        endNanos, endMillis));
            }
            return results;
        }
    }

    private static ClientResult result(WriteLoad load, Map<Long, JdbcBench.Row> rows, List<Switchover> switchovers,
            int initialReplicaId, long endNanos, long endMillis) {
        List<WriteLoad.Ack> acks = load.acks();
        List<Long> gaps = new ArrayList<>();
        int never = 0;
        for (int i = 0; i < switchovers.size(); i++) {
            Switchover s = switchovers.get(i);
            long windowEnd = i + 1 < switchovers.size() ? switchovers.get(i + 1).issuedNanos() : endNanos;
            long gap = load.firstAckOn(rows, s.newId(), s.issuedNanos(), windowEnd);
            if (gap < 0 || gap > JdbcBench.RECOVERY_TIMEOUT.toNanos()) {
                never++;
                gaps.add(-1L);
            } else {
                gaps.add(TimeUnit.NANOSECONDS.toMillis(gap));
            }
        }

        // when each node was a replica: [from, to) in wall-clock ms, from its completed demotion to its next promotion
        List<long[]> replicaSpans = new ArrayList<>();
        long firstIssue = switchovers.isEmpty() ? endMillis : switchovers.get(0).issuedMillis();
        replicaSpans.add(new long[] {initialReplicaId, Long.MIN_VALUE, firstIssue});
        for (int i = 0; i < switchovers.size(); i++) {
            Switchover s = switchovers.get(i);
            long until = endMillis;
            for (int j = i + 1; j < switchovers.size(); j++) {
                if (switchovers.get(j).newId() == s.oldId()) {
                    until = switchovers.get(j).issuedMillis();
                    break;
                }
            }
            replicaSpans.add(new long[] {s.oldId(), s.demotedMillis(), until});
        }
        long acceptedByReplica = rows.values().stream().filter(r -> replicaSpans.stream().anyMatch(
                span -> r.origin() == span[0] && r.executedMillis() >= span[1] && r.executedMillis() < span[2]))
                .count();
        return new ClientResult(load.client().name(), gaps, acks.size(), load.errors(), acceptedByReplica,
                JdbcBench.lost(load, rows), JdbcBench.note(load, never, "switchover(s)"));
    }
}
