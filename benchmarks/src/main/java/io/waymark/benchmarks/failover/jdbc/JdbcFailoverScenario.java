package io.waymark.benchmarks.failover.jdbc;

import io.waymark.benchmarks.failover.ClientResult;
import io.waymark.benchmarks.failover.HarnessSettings;
import io.waymark.benchmarks.failover.Scenario;
import io.waymark.testkit.ConsulAgent;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.MariaDbNode;
import io.waymark.testkit.MariaDbReplication;
import io.waymark.testkit.RoleChecks;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

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

    static final String PRIMARY_SERVICE = "w-master-mysql-3306";
    static final String REPLICA_SERVICE = "r-slave-mysql-3306";
    static final String DATABASE = "bench";
    static final String USER = "bench";
    static final String PASSWORD = "bench-pw";
    static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(60);
    private static final int WARM_UP_ACKS = 20;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Override
    public String title() {
        return "MariaDB primary + replica, coordinated switchover, HikariCP";
    }

    @Override
    public String gapDefinition() {
        return "from the switchover being issued to the first insert acknowledged by the new primary (the server "
                + "that executed a row is recorded in it: @@server_id); \"never\" when none came within "
                + RECOVERY_TIMEOUT.toSeconds() + " s. Both clients insert side by side during the same switchovers "
                + "(" + "auto-commit, each writer thread at most one insert per " + WriteLoad.PACE.toMillis()
                + " ms, a failed insert is not retried by the writer). The fixed-URL pool is repointed by an "
                + "operator script that watches Consul's passing primary with blocking queries (as consul watch"
                + " does), builds a new HikariDataSource on the new host, soft-evicts the old pool and closes it "
                + OperatorRepointedClient.GRACE.toSeconds() + " s later. Caller errors = SQLExceptions thrown to"
                + " the writers. Writes accepted by a replica = rows executed on a node (NOW(6) on that node) after"
                + " its demotion had completed and before its next promotion was issued. Acknowledged writes lost"
                + " = acknowledged rows missing on the final primary.";
    }

    @Override
    public List<ClientResult> run(HarnessSettings settings) throws Exception {
        Duration consulWait = Duration.ofSeconds(30).plus(settings.checkInterval().multipliedBy(3));
        try (MariaDbReplication db = MariaDbReplication.builder().replicas(1).database(DATABASE)
                .appUser(USER, PASSWORD).start();
                ConsulCluster consul = consul(db, settings)) {
            MariaDbNode first = db.primary();
            String agent = consul.clients().get(0).httpAddress();
            await(() -> isPassingPrimary(agent, first.host()), consulWait, "Consul to list " + first + " as the primary");
            return runWith(db, consul, agent, settings);
        }
    }

    private static ConsulCluster consul(MariaDbReplication db, HarnessSettings settings) {
        ConsulCluster.Builder b = ConsulCluster.builder().servers(1);
        int i = 1;
        for (MariaDbNode node : db.nodes()) {
            b.clientAgent("db" + i++, RoleChecks.mariadb(node, db.appUser(), db.appPassword(), PRIMARY_SERVICE,
                    REPLICA_SERVICE, settings.checkInterval()));
        }
        return b.start();
    }

    private record Switchover(int oldId, int newId, String newHost, long issuedNanos, long issuedMillis,
            long demotedMillis) {
    }

    private record Row(int origin, long executedMillis) {
    }

    private List<ClientResult> runWith(MariaDbReplication db, ConsulCluster consul, String agent,
            HarnessSettings settings) throws Exception {
        Map<String, Integer> serverIds = new HashMap<>();
        for (MariaDbNode node : db.nodes()) {
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(node), USER, PASSWORD);
                    Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@server_id")) {
                rs.next();
                serverIds.put(node.host(), rs.getInt(1));
            }
        }
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(db.primary()), USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE writes (client VARCHAR(16) NOT NULL, writer INT NOT NULL, seq INT NOT NULL,"
                    + " origin INT NOT NULL, executed DECIMAL(17,6) NOT NULL, PRIMARY KEY (client, writer, seq))");
        }
        int initialReplicaId = serverIds.get(db.replicas().get(0).host());
        String agents = consul.clients().stream().map(ConsulAgent::httpAddress).collect(Collectors.joining(","));
        String consulUrl = "jdbc:consul:mariadb://" + PRIMARY_SERVICE + ".service.consul/" + DATABASE
                + "?consul.agent=" + agents + "&consul.failoverTimeout=10s";
        int port = db.primary().port();
        List<WriteLoad> loads = new ArrayList<>();
        List<Switchover> switchovers = new ArrayList<>();
        OperatorRepointedClient operator = null;
        long endNanos;
        long endMillis;
        try {
            loads.add(new WriteLoad(new ConsulUrlClient(consulUrl, USER, PASSWORD, settings.writers()),
                    settings.writers()));
            operator = new OperatorRepointedClient(db.primary().host(), agent, PRIMARY_SERVICE,
                    (host, n) -> Pools.hikari("fixed-url-" + n, "jdbc:mariadb://" + host + ":" + port + "/" + DATABASE,
                            USER, PASSWORD, settings.writers()));
            loads.add(new WriteLoad(operator, settings.writers()));
            loads.forEach(WriteLoad::start);
            await(() -> loads.stream().allMatch(l -> l.ackCount() >= WARM_UP_ACKS), RECOVERY_TIMEOUT,
                    "every client to write");

            for (int i = 0; i < settings.failovers(); i++) {
                MariaDbNode old = db.primary();
                MariaDbNode target = db.replicas().get(0);
                operator.failoverIssued();
                long issuedNanos = System.nanoTime();
                long issuedMillis = System.currentTimeMillis();
                db.switchover(target);
                long demotedMillis = System.currentTimeMillis();
                switchovers.add(new Switchover(serverIds.get(old.host()), serverIds.get(target.host()), target.host(),
                        issuedNanos, issuedMillis, demotedMillis));
                // bounded: a client that never recovers shows up as "never" in the table
                awaitQuietly(() -> loads.stream().allMatch(l -> l.wroteOn(target.host(), issuedNanos)), RECOVERY_TIMEOUT);
                Thread.sleep(settings.settleBetween().toMillis());
            }
            endNanos = System.nanoTime();
            endMillis = System.currentTimeMillis();
        } finally {
            for (WriteLoad l : loads) {
                l.stop();
            }
            for (WriteLoad l : loads) {
                l.client().close();
            }
        }

        Map<String, Map<Long, Row>> rows = new HashMap<>();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(db.primary()), USER, PASSWORD);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT client, writer, seq, origin, executed FROM writes")) {
            while (rs.next()) {
                BigDecimal executed = rs.getBigDecimal(5);
                rows.computeIfAbsent(rs.getString(1), k -> new HashMap<>())
                        .put(key(rs.getInt(2), rs.getInt(3)), new Row(rs.getInt(4), executed.movePointRight(3).longValue()));
            }
        }
        List<ClientResult> results = new ArrayList<>();
        for (WriteLoad l : loads) {
            results.add(result(l, rows.getOrDefault(l.client().tag(), Map.of()), switchovers, initialReplicaId,
                    endNanos, endMillis));
        }
        return results;
    }

    private static long key(int writer, int seq) {
        return ((long) writer << 32) | (seq & 0xFFFFFFFFL);
    }

    private static ClientResult result(WriteLoad load, Map<Long, Row> rows, List<Switchover> switchovers,
            int initialReplicaId, long endNanos, long endMillis) {
        List<WriteLoad.Ack> acks = load.acks();
        long lost = acks.stream().filter(a -> !rows.containsKey(key(a.writer(), a.seq()))).count();

        List<Long> gaps = new ArrayList<>();
        int never = 0;
        for (int i = 0; i < switchovers.size(); i++) {
            Switchover s = switchovers.get(i);
            long windowEnd = i + 1 < switchovers.size() ? switchovers.get(i + 1).issuedNanos() : endNanos;
            long first = Long.MAX_VALUE;
            for (WriteLoad.Ack a : acks) {
                if (a.ackNanos() - s.issuedNanos() >= 0 && a.ackNanos() - windowEnd < 0 && a.ackNanos() < first) {
                    Row r = rows.get(key(a.writer(), a.seq()));
                    if (r != null && r.origin() == s.newId()) {
                        first = a.ackNanos();
                    }
                }
            }
            if (first == Long.MAX_VALUE || first - s.issuedNanos() > RECOVERY_TIMEOUT.toNanos()) {
                never++;
                gaps.add(-1L);
            } else {
                gaps.add(TimeUnit.NANOSECONDS.toMillis(first - s.issuedNanos()));
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

        StringBuilder note = new StringBuilder();
        String extra = load.client().note();
        if (!extra.isEmpty()) {
            note.append(extra);
        }
        if (load.errors() > 0) {
            note.append(note.length() > 0 ? "; " : "").append("errors (code/SQLState): ").append(load.errorKinds());
        }
        if (never > 0) {
            note.append(note.length() > 0 ? "; " : "").append(never).append(" switchover(s) without an insert on the new"
                    + " primary within ").append(RECOVERY_TIMEOUT.toSeconds()).append(" s");
        }
        return new ClientResult(load.client().name(), gaps, acks.size(), load.errors(), acceptedByReplica, lost,
                note.toString());
    }

    private boolean isPassingPrimary(String agent, String host) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + agent
                    + "/v1/health/service/" + PRIMARY_SERVICE + "?passing")).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && OperatorRepointedClient.addresses(response.body()).equals(List.of(host));
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        if (!awaitQuietly(condition, timeout)) {
            throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
        }
    }

    private static boolean awaitQuietly(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }
}
