package io.waymark.testkit;

import io.waymark.testkit.internal.ManagedProcess;
import io.waymark.testkit.internal.Poll;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A MariaDB primary with N replicas (GTID replication, replicas read_only), each on its own
 * 127.0.0.x address and the same port. The application user holds only
 * {@code SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER} on the database, so
 * read_only really stops it (a user with global privileges would write through read_only).
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
public final class MariaDbReplication implements AutoCloseable {

    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(60);

    private final List<LocalMariaDbNode> nodes;
    private final FixtureResources resources;
    private final String database;
    private final String appUser;
    private final String appPassword;
    private final String rootPassword;
    private final String replPassword;
    private volatile LocalMariaDbNode primary;

    private MariaDbReplication(Builder b, List<LocalMariaDbNode> nodes, FixtureResources resources,
            String replPassword) {
        this.nodes = List.copyOf(nodes);
        this.resources = resources;
        this.database = b.database;
        this.appUser = b.appUser;
        this.appPassword = b.appPassword;
        this.rootPassword = b.rootPassword;
        this.replPassword = replPassword;
        this.primary = nodes.get(0);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The current primary as this fixture configured it. */
    public MariaDbNode primary() {
        return primary;
    }

    /** Every node but the current primary, in creation order. */
    public List<MariaDbNode> replicas() {
        return LocalProcessNode.except(nodes, primary);
    }

    /** All nodes in creation order (the first was the initial primary). */
    public List<MariaDbNode> nodes() {
        return List.copyOf(nodes);
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

    /**
     * Coordinated promotion of {@code replica}: the primary goes read_only, the replica applies
     * everything the primary logged, then stops replicating and becomes writable; the old primary
     * and the other replicas then replicate from it. Returns once every running replica replicates.
     */
    public synchronized void switchover(MariaDbNode replica) {
        LocalMariaDbNode target = own(replica);
        LocalMariaDbNode old = primary;
        if (target == old) {
            throw new IllegalArgumentException(replica + " is already the primary");
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
        primary = target;
        // the old primary has no slave position yet: start from what it already holds
        old.execute("SET GLOBAL gtid_slave_pos=@@gtid_binlog_pos", changeMaster(target),
                "START SLAVE");
        for (LocalMariaDbNode n : nodes) {
            if (n != target && n != old && n.isServing()) {
                n.execute("STOP SLAVE", changeMaster(target), "START SLAVE");
            }
        }
        awaitReplicasRunning();
    }

    /** SIGKILL on {@code node}; no promotion follows. */
    public void kill(MariaDbNode node) {
        own(node).kill();
    }

    private String changeMaster(LocalMariaDbNode to) {
        return "CHANGE MASTER TO MASTER_HOST='" + to.host() + "', MASTER_PORT=" + to.port()
                + ", MASTER_USER='repl', MASTER_PASSWORD='" + replPassword
                + "', MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos";
    }

    /** Waits until every running replica's IO and SQL threads run against the current primary. */
    public void awaitReplicasRunning() {
        LocalMariaDbNode p = primary;
        for (LocalMariaDbNode n : nodes) {
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
        LocalMariaDbNode p = primary;
        String goal = p.queryString("SELECT @@gtid_binlog_pos");
        for (LocalMariaDbNode n : nodes) {
            if (n != p && n.isServing() && !reachesGtid(n, goal)) {
                throw new IllegalStateException(n + " did not reach GTID " + goal);
            }
        }
    }

    /** Whether {@code n} applies up to GTID position {@code goal} within the sync timeout. */
    private static boolean reachesGtid(LocalMariaDbNode n, String goal) {
        return "0".equals(n.queryString(
                "SELECT MASTER_GTID_WAIT('" + goal + "', " + SYNC_TIMEOUT.toSeconds() + ")"));
    }

    private LocalMariaDbNode own(MariaDbNode node) {
        return LocalProcessNode.member(nodes, node, "fixture");
    }

    /** Stops every node, deletes the data and releases the addresses. */
    @Override
    public synchronized void close() {
        resources.close();
    }

    @Override
    public String toString() {
        return "MariaDbReplication[primary " + primary + ", nodes " + nodes + "]";
    }

    /** Builds and starts a {@link MariaDbReplication}; not thread-safe. */
    public static final class Builder {
        private int replicas = 1;
        private int port = 3306;
        private String database = "waymark";
        private String appUser = "app";
        private String appPassword = "apppass";
        private String rootPassword = randomPassword();
        private Duration startTimeout = Duration.ofSeconds(120);

        private Builder() {}

        /** Number of replicas, 0..4; default 1. */
        public Builder replicas(int replicas) {
            this.replicas = Checks.inRange("replicas", replicas, 0, 4);
            return this;
        }

        /** The port of every node (each has its own address); default 3306. */
        public Builder port(int port) {
            this.port = Checks.inRange("port", port, 1, 65535);
            return this;
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

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Checks.positive("startTimeout", timeout);
            return this;
        }

        /** Installs and starts the nodes, sets up replication, waits until replicas caught up. */
        public MariaDbReplication start() {
            FixtureResources resources = new FixtureResources("waymark-mariadb-");
            String replPassword = randomPassword();
            try {
                List<LocalMariaDbNode> nodes = new ArrayList<>();
                for (int i = 0; i <= replicas; i++) {
                    // the Consul ports too: RoleChecks agents bind to the node's address
                    String host = resources.hold(
                            LoopbackAddresses.acquire(LocalConsulAgent.withClientAgentPorts(port)));
                    nodes.add(new LocalMariaDbNode("mariadb" + (i + 1), host, port, i + 1, resources.dir(),
                            rootPassword, startTimeout));
                }
                resources.stopOnClose(nodes);
                MariaDbReplication db = new MariaDbReplication(this, nodes, resources, replPassword);
                List<ManagedProcess> installers = new ArrayList<>();
                for (LocalMariaDbNode n : nodes) {
                    installers.add(n.install());
                }
                try {
                    for (int i = 0; i < nodes.size(); i++) {
                        nodes.get(i).awaitInstalled(installers.get(i), startTimeout);
                    }
                } finally {
                    installers.forEach(ManagedProcess::kill);
                }
                nodes.forEach(LocalMariaDbNode::launch);
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
            } catch (RuntimeException | Error e) {
                resources.closeAfter(e);
                throw e;
            }
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
