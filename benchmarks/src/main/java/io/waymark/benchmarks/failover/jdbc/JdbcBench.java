package io.waymark.benchmarks.failover.jdbc;

import io.waymark.benchmarks.failover.HarnessSettings;
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
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * What the JDBC scenarios share: a MariaDB primary and replicas (testkit, GTID replication)
 * behind Consul (one server, a client agent per database node with the seed's
 * {@code @@read_only} role checks at the settings' check interval), the {@code writes} table,
 * and the two clients compared side by side, each HikariCP with {@code writers} auto-commit writer
 * threads: on {@code jdbc:consul:mariadb://w-master-mysql-3306.service.consul/...} (Waymark), and
 * on a fixed {@code jdbc:mariadb://<primary>:3306/...} URL that an operator script repoints
 * ({@link OperatorRepointedClient}).
 *
 * <p>Threading: one scenario thread; the writers are the loads' own threads.
 */
final class JdbcBench implements AutoCloseable {

    static final String PRIMARY_SERVICE = "w-master-mysql-3306";
    static final String REPLICA_SERVICE = "r-slave-mysql-3306";
    static final String DATABASE = "bench";
    static final String USER = "bench";
    static final String PASSWORD = "bench-pw";
    static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(60);
    private static final int WARM_UP_ACKS = 20;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** A row as the server that executed it wrote it: its {@code @@server_id} and {@code NOW(6)} in ms. */
    record Row(int origin, long executedMillis) {
    }

    final MariaDbReplication db;
    final ConsulCluster consul;
    /** The HTTP address of the first client agent (on the first primary's host): the operator's agent. */
    final String agent;
    /** {@code @@server_id} by host. */
    final Map<String, Integer> serverIds = new HashMap<>();
    private final List<WriteLoad> loads = new ArrayList<>();
    private OperatorRepointedClient operator;
    private boolean stopped;

    private JdbcBench(MariaDbReplication db, ConsulCluster consul) {
        this.db = db;
        this.consul = consul;
        this.agent = consul.clients().get(0).httpAddress();
    }

    /**
     * Starts the servers and waits until Consul lists the primary.
     *
     * @param semiSync replication semi-synchronous ({@code AFTER_SYNC}): a crashed primary then
     *     loses no insert it acknowledged, whatever the client, so that what is lost is the client's doing
     */
    static JdbcBench start(int replicas, HarnessSettings settings, boolean semiSync) throws Exception {
        MariaDbReplication db = MariaDbReplication.builder().replicas(replicas).database(DATABASE)
                .appUser(USER, PASSWORD).start();
        ConsulCluster consul = null;
        try {
            ConsulCluster.Builder b = ConsulCluster.builder().servers(1);
            int i = 1;
            for (MariaDbNode node : db.nodes()) {
                b.clientAgent("db" + i++, RoleChecks.mariadb(node, db.appUser(), db.appPassword(), PRIMARY_SERVICE,
                        REPLICA_SERVICE, settings.checkInterval()));
            }
            consul = b.start();
            JdbcBench bench = new JdbcBench(db, consul);
            bench.prepare(settings, semiSync);
            return bench;
        } catch (Exception | Error e) {
            if (consul != null) {
                consul.close();
            }
            db.close();
            throw e;
        }
    }

    private void prepare(HarnessSettings settings, boolean semiSync) throws Exception {
        MariaDbNode first = db.primary();
        Duration consulWait = Duration.ofSeconds(30).plus(settings.checkInterval().multipliedBy(3));
        await(() -> isPassingPrimary(first.host()), consulWait, "Consul to list " + first + " as the primary");
        for (MariaDbNode node : db.nodes()) {
            if (semiSync) {
                // every node may become the primary; a primary without semi-sync replicas does not wait for one
                asRoot(node, "SET GLOBAL rpl_semi_sync_master_enabled = ON",
                        "SET GLOBAL rpl_semi_sync_master_wait_point = AFTER_SYNC",
                        "SET GLOBAL rpl_semi_sync_master_wait_no_slave = OFF",
                        "SET GLOBAL rpl_semi_sync_master_timeout = 5000", "SET GLOBAL rpl_semi_sync_slave_enabled = ON");
                if (node != first) {
                    asRoot(node, "STOP SLAVE IO_THREAD", "START SLAVE IO_THREAD");
                }
            }
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(node), USER, PASSWORD);
                    Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@server_id")) {
                rs.next();
                serverIds.put(node.host(), rs.getInt(1));
            }
        }
        db.awaitReplicasRunning();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(first), USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE writes (client VARCHAR(16) NOT NULL, writer INT NOT NULL, seq INT NOT NULL,"
                    + " origin INT NOT NULL, executed DECIMAL(17,6) NOT NULL, PRIMARY KEY (client, writer, seq))");
        }
        // every replica has the table before anyone writes: any of them may be promoted
        db.awaitReplicasCaughtUp();
    }

    private void asRoot(MariaDbNode node, String... sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:mariadb://" + node.address() + "/", "root",
                db.rootPassword()); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        }
    }

    /** Starts both clients' writers and waits until each wrote a few rows. */
    void startClients(HarnessSettings settings) throws InterruptedException {
        String agents = consul.clients().stream().map(ConsulAgent::httpAddress).collect(Collectors.joining(","));
        String consulUrl = "jdbc:consul:mariadb://" + PRIMARY_SERVICE + ".service.consul/" + DATABASE
                + "?consul.agent=" + agents + "&consul.failoverTimeout=10s";
        int port = db.primary().port();
        loads.add(new WriteLoad(new ConsulUrlClient(consulUrl, USER, PASSWORD, settings.writers()), settings.writers()));
        operator = new OperatorRepointedClient(db.primary().host(), agent, PRIMARY_SERVICE,
                (host, n) -> Pools.hikari("fixed-url-" + n, "jdbc:mariadb://" + host + ":" + port + "/" + DATABASE,
                        USER, PASSWORD, settings.writers()));
        loads.add(new WriteLoad(operator, settings.writers()));
        loads.forEach(WriteLoad::start);
        await(() -> loads.stream().allMatch(l -> l.ackCount() >= WARM_UP_ACKS), RECOVERY_TIMEOUT,
                "every client to write");
    }

    /** Waymark's load first, then the operator's. */
    List<WriteLoad> loads() {
        return loads;
    }

    OperatorRepointedClient operator() {
        return operator;
    }

    /** Waits (bounded) until every client got an insert acknowledged on {@code host} after {@code afterNanos}. */
    boolean awaitEveryClientOn(String host, long afterNanos) throws InterruptedException {
        return awaitQuietly(() -> loads.stream().allMatch(l -> l.wroteOn(host, afterNanos)), RECOVERY_TIMEOUT);
    }

    /** Stops the writers and closes the clients' pools. */
    void stopClients() throws InterruptedException {
        if (stopped) {
            return;
        }
        stopped = true;
        for (WriteLoad l : loads) {
            l.stop();
        }
        for (WriteLoad l : loads) {
            l.client().close();
        }
    }

    /** The rows stored on {@code node}, by client tag, then by {@link #key}. */
    Map<String, Map<Long, Row>> rows(MariaDbNode node) throws SQLException {
        Map<String, Map<Long, Row>> rows = new HashMap<>();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(node), USER, PASSWORD);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT client, writer, seq, origin, executed FROM writes")) {
            while (rs.next()) {
                BigDecimal executed = rs.getBigDecimal(5);
                rows.computeIfAbsent(rs.getString(1), k -> new HashMap<>()).put(key(rs.getInt(2), rs.getInt(3)),
                        new Row(rs.getInt(4), executed.movePointRight(3).longValue()));
            }
        }
        return rows;
    }

    static long key(int writer, int seq) {
        return ((long) writer << 32) | (seq & 0xFFFFFFFFL);
    }

    /** Acknowledged inserts of {@code load} missing from {@code rows}. */
    static long lost(WriteLoad load, Map<Long, Row> rows) {
        return load.acks().stream().filter(a -> !rows.containsKey(key(a.writer(), a.seq()))).count();
    }

    /** The client's own note, its errors by kind, and the failovers it never recovered from. */
    static String note(WriteLoad load, int never, String failovers) {
        List<String> parts = new ArrayList<>();
        if (!load.client().note().isEmpty()) {
            parts.add(load.client().note());
        }
        if (load.errors() > 0) {
            parts.add("errors (code/SQLState): " + load.errorKinds());
        }
        if (never > 0) {
            parts.add(never + " " + failovers + " without an insert on the new primary within "
                    + RECOVERY_TIMEOUT.toSeconds() + " s");
        }
        return String.join("; ", parts);
    }

    private boolean isPassingPrimary(String host) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + agent
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

    static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        if (!awaitQuietly(condition, timeout)) {
            throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
        }
    }

    static boolean awaitQuietly(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Stops the clients if still running, then Consul and the servers. */
    @Override
    public void close() {
        try {
            stopClients();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                consul.close();
            } finally {
                db.close();
            }
        }
    }
}
