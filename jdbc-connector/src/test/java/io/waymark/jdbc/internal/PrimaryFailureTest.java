package io.waymark.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.waymark.discovery.InMemoryDiscovery;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * A primary that crashes or freezes without a switchover, against in-memory servers (the real
 * thing, with the testkit's outside promoter, is {@code AbstractPrimaryFailureIT}): Consul keeps
 * listing the old primary throughout, and the replica is made writable behind its back.
 */
class PrimaryFailureTest {

    private final FakeServers servers = new FakeServers();
    private final InMemoryDiscovery discovery = new InMemoryDiscovery().failUnknownNames();
    private final DiscoveryRegistry registry = new DiscoveryRegistry(k -> discovery, Duration.ofSeconds(30));
    private final List<RoutingConnection> open = new ArrayList<>();
    private String url;
    private FakeServers.Server a;
    private FakeServers.Server b;

    @BeforeEach
    void servers() {
        // a service name of its own: the counters are JVM-wide per name
        String service = "primary-" + Long.toHexString(System.nanoTime());
        url = "jdbc:consul:mysql://" + service + "/shop?consul.readService=replicas&consul.failoverTimeout=10s&password=pw";
        a = servers.add("10.0.0.1:3306", 1, false);
        b = servers.add("10.0.0.2:3306", 2, true);
        discovery.set(service, "10.0.0.1:3306");
        discovery.set("replicas", "10.0.0.2:3306");
    }

    @AfterEach
    void closeAll() throws SQLException {
        a.frozen = false;
        for (RoutingConnection c : open) {
            c.close();
        }
    }

    private RoutingConnection connect() throws SQLException {
        RoutingConnection c = RoutingConnection.open(ConsulUrl.parse(url, null), servers, registry);
        open.add(c);
        return c;
    }

    private JdbcCounters counters() throws SQLException {
        return JdbcCounters.of(ConsulUrl.parse(url, null).service());
    }

    private static int insert(RoutingConnection c, int value) throws SQLException {
        try (Statement s = c.createStatement()) {
            return s.executeUpdate("INSERT INTO t VALUES (" + value + ")");
        }
    }

    private static boolean saysOutcomeUnknown(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if (x.getSQLState() != null && x.getSQLState().startsWith("08")
                    && String.valueOf(x.getMessage()).contains(Routing.OUTCOME_UNKNOWN)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void theWatchTicksOnItsOwnDaemonThreadOnlyWhileConnectionsAreOpen() throws SQLException {
        RoutingConnection c = connect();
        try (DiscoveryRegistry.Lease lease = registry.acquire(ConsulUrl.parse(url, null).discoveryKey())) {
            PrimaryWatch watch = lease.prober().watch();
            assertThat(watch.ticking()).isTrue();
            assertThat(watch.size()).isEqualTo(1);
            assertThat(Thread.getAllStackTraces().keySet())
                    .filteredOn(t -> t.getName().startsWith("waymark-jdbc-watch-")).isNotEmpty().allMatch(Thread::isDaemon);
            c.close();
            assertThat(watch.size()).isZero();
            assertThat(watch.ticking()).isFalse();
        }
    }

    @Nested
    class Crash {

        @Test
        void aStatementInFlightWhenThePrimaryDiedFailsSayingItsOutcomeIsUnknown() throws SQLException {
            RoutingConnection c = connect();
            a.down = true;
            SQLException e = catchThrowableOfType(SQLException.class, () -> insert(c, 1));
            assertThat(saysOutcomeUnknown(e)).as("%s", e).isTrue();
            assertThat(c.isValid(1)).isFalse();
            // what a pool does when it takes the connection back: nothing to clear on a broken one
            c.clearWarnings();
            assertThat((Object) c.getWarnings()).isNull();
        }

        /**
         * A crash closes every socket of the server, but each connection learns it only when it
         * sends: once one connection saw it, the others are checked before they send.
         */
        @Test
        void aStatementSentAfterAnotherConnectionSawTheCrashMovesToTheNewPrimaryInstead() throws SQLException {
            RoutingConnection first = connect();
            RoutingConnection second = connect();
            a.down = true;
            catchThrowableOfType(SQLException.class, () -> insert(first, 1));
            b.readOnly = false;
            assertThat(insert(second, 2)).isEqualTo(1);
            assertThat(b.writes).containsExactly("INSERT INTO t VALUES (2)");
            assertThat(second.serverAddress()).isEqualTo("10.0.0.2:3306");
            assertThat(counters().failovers()).isEqualTo(1);
        }

        @Test
        void aConnectionThatStillAnswersKeepsItsServerWhenAnotherOneBroke() throws SQLException {
            RoutingConnection first = connect();
            RoutingConnection second = connect();
            // only the first connection's socket is gone (a KILL, a timeout): the server is alive
            a.connections.get(0).closed = true;
            catchThrowableOfType(SQLException.class, () -> insert(first, 1));
            assertThat(insert(second, 2)).isEqualTo(1);
            assertThat(a.writes).containsExactly("INSERT INTO t VALUES (2)");
            assertThat(second.invalidReason()).isNull();
        }

        @Test
        void insideATransactionABrokenPrimaryIsNotSentTheStatementAndSaysSo() throws SQLException {
            RoutingConnection first = connect();
            RoutingConnection second = connect();
            second.setAutoCommit(false);
            insert(second, 1);
            a.down = true;
            catchThrowableOfType(SQLException.class, () -> insert(first, 2));
            SQLException e = catchThrowableOfType(SQLException.class, () -> insert(second, 3));
            assertThat(e.getSQLState()).isEqualTo("08003");
            assertThat(e.getMessage()).startsWith("not sent").contains("a transaction is open");
            assertThat(a.writeAttempts).as("only the first insert of the transaction reached the server").hasSize(1);
        }
    }

    @Nested
    class Freeze {

        private CompletableFuture<Integer> insertAsync(RoutingConnection c, int value) {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return insert(c, value);
                } catch (SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
        }

        /** The primary freezes with an insert in flight, a replica is promoted, the watch cuts the insert off. */
        private void freezeAndPromoteWithAStatementInFlight() throws Exception {
            RoutingConnection c = connect();
            a.frozen = true;
            CompletableFuture<Integer> stuck = insertAsync(c, 1);
            b.readOnly = false;
            assertThat(catchThrowableOfType(java.util.concurrent.ExecutionException.class,
                    () -> stuck.get(10, TimeUnit.SECONDS))).as("the insert in flight, cut off").isNotNull();
        }

        @Test
        void aStatementStuckOnAFrozenPrimaryFailsOnceAnotherServerIsWritableAndTheNextOneMoves() throws Exception {
            RoutingConnection c = connect();
            a.frozen = true;
            CompletableFuture<Integer> stuck = insertAsync(c, 1);
            // the outside promoter, a while later; Consul still lists the frozen primary
            Thread.sleep(1500);
            assertThat(stuck).as("waiting on the frozen primary, nothing else is writable").isNotDone();
            long promoted = System.nanoTime();
            b.readOnly = false;
            Throwable failure = catchThrowableOfType(java.util.concurrent.ExecutionException.class,
                    () -> stuck.get(10, TimeUnit.SECONDS)).getCause();
            long cutAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - promoted);
            assertThat(failure).isInstanceOf(SQLException.class);
            assertThat(saysOutcomeUnknown((SQLException) failure)).as("%s", failure).isTrue();
            assertThat(cutAfter).as("ms from the promotion to the cut").isLessThan(2000);
            assertThat(insert(c, 2)).as("the next statement, on the new primary").isEqualTo(1);
            assertThat(b.writes).containsExactly("INSERT INTO t VALUES (2)");
            assertThat(counters().connectionsCutOff()).isEqualTo(1);
        }

        @Test
        void aNewConnectionDoesNotWaitForTheSilentPrimaryConsulStillLists() throws Exception {
            freezeAndPromoteWithAStatementInFlight();
            long started = System.nanoTime();
            RoutingConnection fresh = connect();
            assertThat(fresh.serverAddress()).isEqualTo("10.0.0.2:3306");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).as("ms to connect")
                    .isLessThan(DelegateConnections.MAX_OPEN_MILLIS);
        }

        /** Neither delegate bounds a handshake by default: connect() to a frozen server waited for good. */
        @Test
        void connectingToAFrozenPrimaryNobodyHasNoticedYetGivesUpWithinTheBound() throws Exception {
            a.frozen = true;
            b.readOnly = false;
            long started = System.nanoTime();
            RoutingConnection c = connect();
            assertThat(c.serverAddress()).isEqualTo("10.0.0.2:3306");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).as("ms to connect")
                    .isLessThan(2 * DelegateConnections.MAX_OPEN_MILLIS);
        }

        /**
         * A primary that wakes up is still writable until someone fences it: once it answers again
         * and Consul still lists it, two servers are writable and no primary is handed out.
         */
        @Test
        void aPrimaryThatWakesUpStillWritableIsNotUsedUntilItIsFenced() throws Exception {
            freezeAndPromoteWithAStatementInFlight();
            a.frozen = false;
            try (DiscoveryRegistry.Lease lease = registry.acquire(ConsulUrl.parse(url, null).discoveryKey())) {
                KnownServers known = new KnownServers(new Connector(ConsulUrl.parse(url, null), discovery, servers,
                        lease.prober()));
                await().atMost(Duration.ofSeconds(10)).until(() -> !known.silent("10.0.0.1", 3306));
            }
            Background fencer = Background.when(() -> counters().splitBrains() > 0, () -> a.readOnly = true);
            RoutingConnection fresh = connect();
            fencer.join();
            assertThat(fresh.serverAddress()).isEqualTo("10.0.0.2:3306");
            insert(fresh, 3);
            assertThat(a.writes).as("writes the woken primary took").isEmpty();
        }

        @Test
        void aSlowStatementOnAPrimaryThatAnswersIsLeftAlone() throws Exception {
            RoutingConnection c = connect();
            b.readOnly = false;
            // far longer than the watch waits before it asks; the server answers its probes meanwhile
            a.writeDelayMillis = 2000;
            assertThat(insert(c, 1)).isEqualTo(1);
            assertThat(c.invalidReason()).isNull();
            assertThat(a.writes).containsExactly("INSERT INTO t VALUES (1)");
            assertThat(a.queries).as("the watch asked it").contains("SELECT @@read_only");
            assertThat(counters().connectionsCutOff()).isZero();
        }
    }
}
