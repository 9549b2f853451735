package io.waymark.testkit;

import io.waymark.testkit.internal.ServerProcess;
import io.waymark.testkit.internal.Poll;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A MariaDB primary with N replicas (GTID replication, replicas read_only), each on its own
 * 127.0.0.x address and the same port. The application user holds only
 * {@code SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER} on the database, so
 * read_only really stops it (a user with global privileges would write through read_only).
 * Failovers: coordinated ({@link #switchover}), or by an outside actor after a fault
 * ({@link #promoteWhenPrimaryFails}, {@link #promoteBestReplica}); faults through each node's
 * {@link FaultControls}.
 *
 * <pre>{@code
 * try (MariaDbReplication db = MariaDbReplication.builder().replicas(1).database("shop")
 *     .appUser("app", "apppass").start()) {
 *   String url = db.jdbcUrl(db.primary());
 *   db.switchover(db.replicas().get(0));
 * }
 * }</pre>
 *
 * <p>Threading: thread-safe; topology changes are serialized, {@link #primary()} never blocks.
 */
public final class MariaDbReplication extends Replication<MariaDbNode, LocalMariaDbNode> {

    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(60);

    private final String database;
    private final String appUser;
    private final String appPassword;
    private final String rootPassword;
    private final String replPassword;
    /** Nodes an outside promotion left out of replication (the old primary); guarded by this. */
    private final Set<LocalMariaDbNode> detached = new HashSet<>();

    private MariaDbReplication(Builder b, List<LocalMariaDbNode> nodes, FixtureResources resources,
            String replPassword) {
        super(nodes, resources, "primary");
        this.database = b.database;
        this.appUser = b.appUser;
        this.appPassword = b.appPassword;
        this.rootPassword = b.rootPassword;
        this.replPassword = replPassword;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The current primary as this fixture configured it. */
    public MariaDbNode primary() {
        return writable;
    }

    /** "jdbc:mariadb://127.0.0.x:3306/&lt;database&gt;". */
    public String jdbcUrl(MariaDbNode node) {
        return "jdbc:mariadb://" + own(node).address() + "/" + database;
    }

    public String database() {
        return database;
    }

    public String appUser() {
        return appUser;
    }

    public String appPassword() {
        return appPassword;
    }

    /** Password of {@code root@'%'}, which has every privilege. */
    public String rootPassword() {
        return rootPassword;
    }

    @Override
    void switchover(LocalMariaDbNode old, LocalMariaDbNode target) {
        if (detached.contains(target)) {
            throw new IllegalArgumentException(target + " was detached by an outside promotion: it "
                    + "does not replicate");
        }
        old.readOnlyAtStart(true);
        old.execute("SET GLOBAL read_only=1");
        String goal = old.queryString("SELECT @@gtid_binlog_pos");
        if (!reachesGtid(target, goal)) {
            throw new IllegalStateException(target + " did not reach GTID " + goal + " within "
                    + SYNC_TIMEOUT.toSeconds() + " s (the old primary stays read_only)");
        }
        target.execute("STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL read_only=0");
        target.readOnlyAtStart(false);
        writable = target;
        // the old primary has no slave position yet: start from what it already holds
        old.execute("SET GLOBAL gtid_slave_pos=@@gtid_binlog_pos", changeMaster(target),
                "START SLAVE");
        for (LocalMariaDbNode n : nodes) {
            if (n != target && n != old && n.isServing() && !detached.contains(n)) {
                n.execute("STOP SLAVE", changeMaster(target), "START SLAVE");
            }
        }
        awaitReplicasRunning();
    }

    /**
     * Like {@link #promoteBestReplica}, but the actor first watches the primary and counts
     * {@code delay} from when it saw it fail (no answer to {@code SELECT 1} within
     * {@value Promotion#PROBE_TIMEOUT_MS} ms, {@value Promotion#FAILED_PROBES} probes in a row).
     * Arm it before the fault.
     */
    public Promotion<MariaDbNode> promoteWhenPrimaryFails(Duration delay) {
        return promoteWhenWritableFails(delay);
    }

    @Override
    boolean writableAnswers() {
        return "1".equals(writable.queryStringWithin(Promotion.PROBE_TIMEOUT, "SELECT 1"));
    }

    @Override
    synchronized Promotion.Promoted<MariaDbNode> promoteBest() {
        LocalMariaDbNode old = writable;
        // one that does not answer (down, frozen) is not a candidate, and is left detached
        List<Progress<LocalMariaDbNode>> answers = probeReplicas(old, n -> !detached.contains(n), n -> {
            String gtid = n.queryRowWithin(Duration.ofSeconds(2), "SHOW SLAVE STATUS")
                    .getOrDefault("Gtid_IO_Pos", "");
            return new Progress<>(n, gtid, gtidSum(gtid));
        }, detached::add);
        Progress<LocalMariaDbNode> furthest = furthest(answers, old);
        LocalMariaDbNode best = furthest.node();
        String bestGtid = furthest.position();
        if (!bestGtid.isEmpty() && !reachesGtid(best, bestGtid)) {
            throw new IllegalStateException(best + " did not apply its relay log up to " + bestGtid);
        }
        best.execute("STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL read_only=0");
        long writableAt = System.nanoTime();
        best.readOnlyAtStart(false);
        writable = best;
        old.readOnlyAtStart(true);
        detached.add(old);
        for (Progress<LocalMariaDbNode> a : answers) {
            if (a.node() != best) {
                a.node().execute("STOP SLAVE", changeMaster(best), "START SLAVE");
            }
        }
        return new Promotion.Promoted<>(best, old, writableAt);
    }

    @Override
    boolean fenceOld(LocalMariaDbNode old) {
        if (old == writable || !"0".equals(old.queryStringWithin(Promotion.PROBE_TIMEOUT, "SELECT @@read_only"))) {
            return true;
        }
        old.executeWithin(Promotion.PROBE_TIMEOUT, "SET GLOBAL read_only=1");
        return true;
    }

    /** Sum of the sequence numbers of a GTID list ("0-1-42,1-2-7"): how far a single-domain stream got. */
    static long gtidSum(String gtids) {
        long sum = 0;
        for (String g : gtids.split(",")) {
            String t = g.trim();
            if (!t.isEmpty()) {
                sum += Long.parseLong(t.substring(t.lastIndexOf('-') + 1));
            }
        }
        return sum;
    }

    private String changeMaster(LocalMariaDbNode to) {
        return "CHANGE MASTER TO MASTER_HOST='" + to.host() + "', MASTER_PORT=" + to.port()
                + ", MASTER_USER='repl', MASTER_PASSWORD='" + replPassword
                + "', MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos";
    }

    /** Waits until every running replica's IO and SQL threads run against the current primary. */
    public void awaitReplicasRunning() {
        LocalMariaDbNode p = writable;
        for (LocalMariaDbNode n : replicating()) {
            if (n != p && n.isServing()) {
                String[] last = {""};
                Poll.until(SYNC_TIMEOUT, Duration.ofMillis(200), () -> {
                    Map<String, String> s = n.queryRow("SHOW SLAVE STATUS");
                    last[0] = "IO=" + s.get("Slave_IO_Running") + " SQL=" + s.get("Slave_SQL_Running")
                            + " " + s.get("Last_IO_Error") + " " + s.get("Last_SQL_Error");
                    return p.host().equals(s.get("Master_Host"))
                            && "Yes".equals(s.get("Slave_IO_Running"))
                            && "Yes".equals(s.get("Slave_SQL_Running"));
                }, () -> n + " does not replicate from " + p + ": " + last[0]);
            }
        }
    }

    /** Waits until every running replica applied all the primary has logged. */
    public void awaitReplicasCaughtUp() {
        LocalMariaDbNode p = writable;
        String goal = p.queryString("SELECT @@gtid_binlog_pos");
        for (LocalMariaDbNode n : replicating()) {
            if (n != p && n.isServing() && !reachesGtid(n, goal)) {
                throw new IllegalStateException(n + " did not reach GTID " + goal);
            }
        }
    }

    /** The nodes not detached by an outside promotion. */
    private synchronized List<LocalMariaDbNode> replicating() {
        List<LocalMariaDbNode> out = new ArrayList<>(nodes);
        out.removeAll(detached);
        return out;
    }

    /** Whether {@code n} applies up to GTID position {@code goal} within the sync timeout. */
    private static boolean reachesGtid(LocalMariaDbNode n, String goal) {
        return "0".equals(n.queryString(
                "SELECT MASTER_GTID_WAIT('" + goal + "', " + SYNC_TIMEOUT.toSeconds() + ")"));
    }

    /** Builds and starts a {@link MariaDbReplication}; not thread-safe. */
    public static final class Builder extends NodesBuilder<Builder> {
        private String database = "waymark";
        private String appUser = "app";
        private String appPassword = "apppass";
        private String rootPassword = randomPassword();

        private Builder() {
            super(4, 3306, Duration.ofSeconds(120));
        }

        /** The database created on the primary (and replicated); default "waymark". */
        public Builder database(String database) {
            this.database = Checks.matches("database", database, "[A-Za-z0-9_]{1,64}");
            return this;
        }

        /** The application user, limited to the database; default app/apppass. */
        public Builder appUser(String user, String password) {
            if (user == null || !user.matches("[A-Za-z0-9_]{1,32}") || user.equals("root")
                    || user.equals("repl")) {
                throw new IllegalArgumentException(
                        "appUser must be [A-Za-z0-9_]{1,32} and not root or repl: " + user);
            }
            this.appUser = user;
            this.appPassword = Checks.password(password);
            return this;
        }

        /** Password of root@'%'; default random. */
        public Builder rootPassword(String password) {
            this.rootPassword = Checks.password(password);
            return this;
        }

        /** Installs and starts the nodes, sets up replication, waits until replicas caught up. */
        public MariaDbReplication start() {
            FixtureResources resources = new FixtureResources("waymark-mariadb-", "MariaDbReplication",
                    Launcher.Image.MARIADB, "mariadbd", "mariadb-install-db", "mariadb");
            String replPassword = randomPassword();
            return resources.start(() -> {
                List<LocalMariaDbNode> nodes = new ArrayList<>();
                for (String host : holdAddresses(resources)) {
                    int serverId = nodes.size() + 1;
                    nodes.add(new LocalMariaDbNode("mariadb" + serverId, host, port, serverId, resources,
                            rootPassword, startTimeout, serverOptions));
                }
                resources.stopOnClose(nodes);
                MariaDbReplication db = new MariaDbReplication(this, nodes, resources, replPassword);
                List<ServerProcess> installers = LocalMariaDbNode.installAll(nodes, resources);
                try {
                    for (int i = 0; i < nodes.size(); i++) {
                        nodes.get(i).awaitInstalled(installers.get(i), startTimeout);
                    }
                } finally {
                    installers.forEach(ServerProcess::kill);
                }
                LocalProcessNode.launchAll(nodes, resources);
                // install-db also creates root@127.0.0.1 etc. without password; being more specific
                // than root@'%' they would win the host match, so only root@localhost (socket) stays
                String users = "SET sql_log_bin=0;\n"
                        + "DELETE FROM mysql.global_priv WHERE NOT (User='root' AND Host='localhost')"
                        + " AND User <> 'mariadb.sys';\n"
                        + "FLUSH PRIVILEGES;\n"
                        + "CREATE USER 'root'@'%' IDENTIFIED BY '" + rootPassword + "';\n"
                        + "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;\n"
                        + "CREATE USER 'repl'@'%' IDENTIFIED BY '" + replPassword + "';\n"
                        + "GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';\n";
                for (LocalMariaDbNode n : nodes) {
                    n.bootstrap(users, startTimeout);
                }
                LocalMariaDbNode primary = nodes.get(0);
                // through the binlog, so the replicas get the database and the app user from the primary
                primary.execute("CREATE DATABASE `" + database + "`",
                        "CREATE USER '" + appUser + "'@'%' IDENTIFIED BY '" + appPassword + "'",
                        "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER ON `" + database
                                + "`.* TO '" + appUser + "'@'%'");
                for (int i = 1; i < nodes.size(); i++) {
                    LocalMariaDbNode r = nodes.get(i);
                    r.readOnlyAtStart(true);
                    r.execute(db.changeMaster(primary), "START SLAVE", "SET GLOBAL read_only=1");
                }
                db.awaitReplicasRunning();
                db.awaitReplicasCaughtUp();
                return db;
            });
        }
    }

    private static String randomPassword() {
        SecureRandom r = new SecureRandom();
        String abc = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            sb.append(abc.charAt(r.nextInt(abc.length())));
        }
        return sb.toString();
    }
}
