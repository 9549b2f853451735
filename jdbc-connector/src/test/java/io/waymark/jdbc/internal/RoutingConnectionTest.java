package io.waymark.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.waymark.discovery.Endpoint;
import io.waymark.discovery.InMemoryDiscovery;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The connection logic against in-memory servers; the real thing is in the ITs. */
class RoutingConnectionTest {

    private static final String URL = "jdbc:consul:mysql://primary/shop?consul.readService=replicas"
            + "&consul.failoverTimeout=200ms&password=pw";

    private final FakeServers servers = new FakeServers();
    private final InMemoryDiscovery discovery = new InMemoryDiscovery().failUnknownNames();
    private final DiscoveryRegistry registry = new DiscoveryRegistry(k -> discovery, Duration.ZERO);
    private FakeServers.Server a;
    private FakeServers.Server b;
    private FakeServers.Server c;

    @BeforeEach
    void servers() {
        a = servers.add("10.0.0.1:3306", 1, false);
        b = servers.add("10.0.0.2:3306", 2, true);
        c = servers.add("10.0.0.3:3306", 3, true);
        discovery.set("primary", "10.0.0.1:3306");
        discovery.set("replicas", "10.0.0.2:3306", "10.0.0.3:3306");
    }

    private RoutingConnection open(String url) throws SQLException {
        return RoutingConnection.open(ConsulUrl.parse(url, null), servers, registry);
    }

    private static int serverId(Connection conn) throws SQLException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT @@server_id")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Nested
    class Connect {

        @Test
        void connectsToThePrimary() throws SQLException {
            try (RoutingConnection conn = open(URL)) {
                assertThat(conn.serverAddress()).isEqualTo("10.0.0.1:3306");
                assertThat(serverId(conn)).isEqualTo(1);
                assertThat(servers.urls).containsExactly("jdbc:mysql://10.0.0.1:3306/shop?password=pw");
            }
        }

        @Test
        void skipsAReadOnlyInstanceAndAsksConsulAgain() throws SQLException {
            discovery.set("primary", "10.0.0.2:3306", "10.0.0.1:3306");
            try (RoutingConnection conn = open(URL)) {
                assertThat(conn.serverAddress()).isEqualTo("10.0.0.1:3306");
                assertThat(discovery.refreshes("primary")).isPositive();
                assertThat(b.connections).allMatch(x -> x.closed);
            }
        }

        @Test
        void skipsAnUnreachableInstance() throws SQLException {
            a.down = true;
            servers.add("10.0.0.4:3306", 4, false);
            discovery.set("primary", "10.0.0.1:3306", "10.0.0.4:3306");
            try (RoutingConnection conn = open(URL)) {
                assertThat(conn.serverAddress()).isEqualTo("10.0.0.4:3306");
            }
        }

        @Test
        void withoutTheRoleCheckTakesTheFirstInstance() throws SQLException {
            discovery.set("primary", "10.0.0.2:3306", "10.0.0.1:3306");
            try (RoutingConnection conn = open(URL + "&consul.roleCheck=false")) {
                assertThat(conn.serverAddress()).isEqualTo("10.0.0.2:3306");
            }
        }

        @Test
        void givesUpAfterTheFailoverTimeoutNamingWhatItTried() {
            a.readOnly = true;
            SQLException e = catchThrowableOfType(SQLException.class, () -> open(URL));
            assertThat(e.getSQLState()).isEqualTo("08001");
            assertThat(e.getMessage()).contains("no writable primary for 'primary'").contains("within 200 ms")
                    .contains("10.0.0.1:3306 is read-only (@@read_only = 1)").doesNotContain("pw");
            assertThat(discovery.refreshes("primary")).isGreaterThan(1);
            assertThat(discovery.isClosed()).as("lease released").isTrue();
        }

        @Test
        void picksUpAPrimaryThatAppearsWhileWaiting() throws Exception {
            a.readOnly = true;
            Background promoter = Background.when(() -> discovery.refreshes("primary") >= 2, () -> a.readOnly = false);
            try (RoutingConnection conn = open(URL.replace("200ms", "10s"))) {
                assertThat(conn.serverAddress()).isEqualTo("10.0.0.1:3306");
            } finally {
                promoter.join();
            }
        }

        @Test
        void saysSoWhenConsulListsNobody() {
            discovery.set("primary", new String[0]);
            assertThat(catchThrowableOfType(SQLException.class, () -> open(URL.replace("200ms", "0"))).getMessage())
                    .contains("Consul lists no healthy instance");
        }

        @Test
        void failsFastOnBadCredentials() {
            SQLException e = catchThrowableOfType(SQLException.class,
                    () -> open(URL.replace("password=pw", "password=wrong").replace("200ms", "1h")));
            assertThat(e.getSQLState()).isEqualTo("28000");
            assertThat(discovery.refreshes("primary")).isZero();
        }

        @Test
        void aTokenEchoedByDiscoveryNeverShowsInTheMessageNorTheStackTrace() {
            // (discovery refuses such a token before sending it; this stands for any message quoting one)
            discovery.fail("primary", new io.waymark.discovery.DiscoveryException(
                    "request failed: Unexpected value in X-Consul-Token: t0p-s3cret",
                    new IllegalArgumentException("X-Consul-Token value: t0p-s3cret")));
            SQLException e = catchThrowableOfType(SQLException.class,
                    () -> open(URL + "&consul.token=t0p-s3cret"));
            java.io.StringWriter trace = new java.io.StringWriter();
            e.printStackTrace(new java.io.PrintWriter(trace));
            assertThat(trace.toString()).contains("did not resolve 'primary'").doesNotContain("t0p-s3cret");
        }

        @Test
        void unknownNamesAreSqlExceptions() {
            assertThatThrownBy(() -> open(URL.replace("//primary", "//nobody"))).isInstanceOf(SQLException.class)
                    .hasMessageContaining("did not resolve 'nobody'");
        }
    }

    @Nested
    class ReadWriteSplit {

        @Test
        void readOnlyMovesToAReplicaAndBack() throws SQLException {
            try (RoutingConnection conn = open(URL)) {
                conn.setReadOnly(true);
                assertThat(conn.isReadOnly()).isTrue();
                assertThat(serverId(conn)).isIn(2, 3);
                conn.setReadOnly(false);
                assertThat(serverId(conn)).isEqualTo(1);
            }
        }

        @Test
        void theReplicaIsSticky() throws SQLException {
            try (RoutingConnection conn = open(URL)) {
                conn.setReadOnly(true);
                String replica = conn.serverAddress();
                conn.setReadOnly(false);
                conn.setReadOnly(true);
                assertThat(conn.serverAddress()).isEqualTo(replica);
                assertThat(b.connections.size() + c.connections.size()).isEqualTo(1);
            }
        }

        @Test
        void aReplicaThatLeftConsulIsReplaced() throws SQLException {
            try (RoutingConnection conn = open(URL)) {
                conn.setReadOnly(true);
                String first = conn.serverAddress();
                conn.setReadOnly(false);
                String other = first.equals("10.0.0.2:3306") ? "10.0.0.3:3306" : "10.0.0.2:3306";
                discovery.set("replicas", other);
                conn.setReadOnly(true);
                assertThat(conn.serverAddress()).isEqualTo(other);
                assertThat(servers.servers.get(first).connections).allMatch(x -> x.closed);
            }
        }

        @Test
        void withoutHealthyReplicasReadsStayOnThePrimaryInReadOnlyMode() throws SQLException {
            discovery.set("replicas", new String[0]);
            try (RoutingConnection conn = open(URL)) {
                conn.setReadOnly(true);
                assertThat(serverId(conn)).isEqualTo(1);
                assertThat(a.connections.get(0).readOnly).as("delegate told").isTrue();
                conn.setReadOnly(false);
                assertThat(a.connections.get(0).readOnly).isFalse();
            }
        }

        @Test
        void withoutReadServiceReadsStayOnThePrimary() throws SQLException {
            try (RoutingConnection conn = open("jdbc:consul:mysql://primary/shop?password=pw")) {
                conn.setReadOnly(true);
                assertThat(serverId(conn)).isEqualTo(1);
            }
        }

        @Test
        void neverSwitchesInsideATransaction() throws SQLException {
            try (RoutingConnection conn = open(URL)) {
                conn.setAutoCommit(false);
                try (Statement s = conn.createStatement()) {
                    s.executeUpdate("INSERT INTO t VALUES (1)");
                }
                SQLException e = catchThrowableOfType(SQLException.class, () -> conn.setReadOnly(true));
                assertThat(e.getSQLState()).isEqualTo("25001");
                assertThat(conn.serverAddress()).isEqualTo("10.0.0.1:3306");
                conn.commit();
                conn.setReadOnly(true);
                assertThat(conn.serverAddress()).isNotEqualTo("10.0.0.1:3306");
            }
        }

        @Test
        void neverSwitchesInsideATransactionStartedAsSql() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                s.execute(" /* app */ start  transaction read write");
                assertThat(catchThrowableOfType(SQLException.class, () -> conn.setReadOnly(true)).getSQLState())
                        .isEqualTo("25001");
                s.execute("COMMIT");
                conn.setReadOnly(true);
                assertThat(conn.serverAddress()).isNotEqualTo("10.0.0.1:3306");
            }
        }

        @Test
        void theSqlTransactionGuardEndsWithJdbcCommitToo() throws SQLException {
            try (RoutingConnection conn = open(URL); PreparedStatement begin = conn.prepareStatement("BEGIN")) {
                begin.execute();
                assertThatThrownBy(() -> conn.setReadOnly(true)).isInstanceOf(SQLException.class);
                conn.commit();
                conn.setReadOnly(true);
                assertThat(conn.isReadOnly()).isTrue();
            }
        }

        @Test
        void aTransactionStartedInAnExecutableCommentIsATransaction() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                s.execute("/*! START TRANSACTION */");
                assertThat(catchThrowableOfType(SQLException.class, () -> conn.setReadOnly(true)).getSQLState())
                        .isEqualTo("25001");
                s.execute("/*!40101 COMMIT */");
                conn.setReadOnly(true);
                assertThat(conn.serverAddress()).isNotEqualTo("10.0.0.1:3306");
            }
        }

        @Test
        void commitAndChainKeepsTheTransactionOpen() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                s.execute("BEGIN");
                s.execute("COMMIT AND CHAIN");
                assertThatThrownBy(() -> conn.setReadOnly(true)).isInstanceOf(SQLException.class);
                s.execute("ROLLBACK WORK AND CHAIN");
                assertThatThrownBy(() -> conn.setReadOnly(true)).isInstanceOf(SQLException.class);
                s.execute("ROLLBACK WORK TO SAVEPOINT x");
                assertThatThrownBy(() -> conn.setReadOnly(true)).as("a savepoint rollback ends nothing")
                        .isInstanceOf(SQLException.class);
                s.execute("XA COMMIT 'x'");
                conn.setReadOnly(true);
                assertThat(conn.isReadOnly()).isTrue();
            }
        }

        @Test
        void switchesAtTheStartOfATransactionCarryingTheSessionSettings() throws SQLException {
            try (RoutingConnection conn = open(URL)) {
                conn.setAutoCommit(false);
                conn.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                conn.setReadOnly(true);
                FakeServers.Conn replica = (b.connections.isEmpty() ? c : b).connections.get(0);
                assertThat(replica.autoCommit).isFalse();
                assertThat(replica.isolation).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
                assertThat(replica.readOnly).isTrue();
            }
        }
    }

    @Nested
    class Failover {

        @Test
        void aReadOnlyRefusalInvalidatesTheConnectionAndTellsPools() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                int before = discovery.refreshes("primary");
                a.readOnly = true;
                SQLException e = catchThrowableOfType(SQLException.class, () -> s.executeUpdate("INSERT INTO t VALUES (1)"));
                assertThat(e.getErrorCode()).isEqualTo(1290);
                assertThat((Object) e.getNextException()).isNotNull();
                assertThat(e.getNextException().getSQLState()).isEqualTo("08006");
                assertThat(e.getNextException().getMessage()).contains("10.0.0.1:3306").contains("no longer the primary");
                assertThat(conn.isValid(1)).isFalse();
                assertThat(conn.invalidReason()).contains("refused a write as read-only (error 1290)");
                assertThat(discovery.refreshes("primary")).isGreaterThan(before);
            }
        }

        @Test
        void aReadOnlyRefusalOnAReplicaIsJustAnError() throws SQLException {
            try (RoutingConnection conn = open(URL)) {
                conn.setReadOnly(true);
                try (Statement s = conn.createStatement()) {
                    SQLException e = catchThrowableOfType(SQLException.class, () -> s.executeUpdate("INSERT INTO t VALUES (1)"));
                    assertThat(e.getErrorCode()).isEqualTo(1290);
                    assertThat((Object) e.getNextException()).isNull();
                }
                assertThat(conn.isValid(1)).isTrue();
            }
        }

        @Test
        void aConnectionErrorInvalidatesTheConnection() throws SQLException {
            try (RoutingConnection conn = open(URL); PreparedStatement ps = conn.prepareStatement("INSERT INTO t VALUES (1)")) {
                a.down = true;
                SQLException e = catchThrowableOfType(SQLException.class, ps::executeUpdate);
                assertThat(e.getSQLState()).startsWith("08");
                assertThat(conn.isValid(1)).isFalse();
                assertThat(discovery.refreshes("primary")).isPositive();
            }
        }

        @Test
        void everyDelegatedCallReportsAConnectionLossToTheHandler() throws SQLException {
            java.util.Map<String, org.assertj.core.api.ThrowableAssert.ThrowingCallable> calls = new java.util.LinkedHashMap<>();
            // one lease held throughout: the registry closes a discovery client once its last connection closes
            try (DiscoveryRegistry.Lease hold = registry.acquire(ConsulUrl.parse(URL, null).discoveryKey())) {
                for (String name : java.util.List.of("getTypeMap", "setClientInfo", "createClob", "setTypeMap", "getClientInfo")) {
                    a.down = false;
                    try (RoutingConnection conn = open(URL)) {
                        calls.put("getTypeMap", conn::getTypeMap);
                        calls.put("setClientInfo", () -> conn.setClientInfo("ApplicationName", "x"));
                        calls.put("createClob", conn::createClob);
                        calls.put("setTypeMap", () -> conn.setTypeMap(java.util.Map.of()));
                        calls.put("getClientInfo", () -> conn.getClientInfo("ApplicationName"));
                        a.down = true;
                        SQLException e = catchThrowableOfType(SQLException.class, calls.get(name));
                        assertThat((Object) e).as(name).isNotNull();
                        assertThat(conn.invalidReason()).as(name).contains("connection error");
                    }
                }
            }
        }

        @Test
        void isValidTurnsFalseWhenThePrimaryLeavesConsul() throws SQLException {
            try (RoutingConnection conn = open(URL)) {
                assertThat(conn.isValid(1)).isTrue();
                discovery.set("primary", "10.0.0.9:3306");
                assertThat(conn.isValid(1)).isFalse();
                discovery.set("primary", "10.0.0.1:3306");
                assertThat(conn.isValid(1)).as("invalid for good").isFalse();
            }
        }

        @Test
        void isValidOnAReplicaFollowsTheReadService() throws SQLException {
            try (RoutingConnection conn = open(URL)) {
                conn.setReadOnly(true);
                assertThat(conn.isValid(1)).isTrue();
                discovery.set("replicas", new String[0]);
                assertThat(conn.isValid(1)).isFalse();
            }
        }

        @Test
        void withRetriesOffNothingIsReplayed() throws SQLException {
            try (RoutingConnection conn = open(URL + "&consul.retryReadOnlyWrites=false");
                    Statement s = conn.createStatement()) {
                s.executeUpdate("INSERT INTO t VALUES (1)");
                a.readOnly = true;
                servers.add("10.0.0.4:3306", 4, false);
                discovery.set("primary", "10.0.0.4:3306");
                assertThatThrownBy(() -> s.executeUpdate("INSERT INTO t VALUES (2)")).isInstanceOf(SQLException.class);
                assertThatThrownBy(() -> s.executeUpdate("INSERT INTO t VALUES (3)")).isInstanceOf(SQLException.class);
                assertThat(servers.servers.get("10.0.0.4:3306").writes).isEmpty();
                assertThat(a.writes).containsExactly("INSERT INTO t VALUES (1)");
                assertThat(conn.isValid(1)).isFalse();
            }
        }
    }

    @Nested
    class RetryingRefusedWrites {

        private FakeServers.Server d;

        /** The switchover: a demoted, d promoted and listed by Consul. */
        private void switchover() {
            a.readOnly = true;
            d = servers.add("10.0.0.4:3306", 4, false);
            discovery.set("primary", "10.0.0.4:3306");
        }

        @Test
        void aRefusedAutoCommitWriteRunsOnceOnTheNewPrimary() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                s.executeUpdate("INSERT INTO t VALUES (1)");
                switchover();
                assertThat(s.executeUpdate("INSERT INTO t VALUES (2)")).isEqualTo(1);
                assertThat(a.writes).containsExactly("INSERT INTO t VALUES (1)");
                assertThat(d.writes).containsExactly("INSERT INTO t VALUES (2)");
                assertThat(conn.serverAddress()).isEqualTo("10.0.0.4:3306");
                assertThat(a.connections).as("the old physical connection").allMatch(x -> x.closed);
                assertThat(conn.isValid(1)).as("healthy on the new primary").isTrue();
                assertThat(serverId(conn)).isEqualTo(4);
            }
        }

        @Test
        void waitsForConsulToListTheNewPrimary() throws Exception {
            try (RoutingConnection conn = open(URL.replace("200ms", "10s"));
                    PreparedStatement ps = conn.prepareStatement("INSERT INTO t VALUES (?)")) {
                a.readOnly = true;
                d = servers.add("10.0.0.4:3306", 4, false);
                int before = discovery.refreshes("primary");
                Background consulCatchesUp = Background.when(() -> discovery.refreshes("primary") >= before + 3,
                        () -> discovery.set("primary", "10.0.0.1:3306", "10.0.0.4:3306"));
                ps.setInt(1, 7);
                try {
                    assertThat(ps.executeUpdate()).isEqualTo(1);
                } finally {
                    consulCatchesUp.join();
                }
                assertThat(d.writes).containsExactly("INSERT INTO t VALUES (?) [7]");
                assertThat(a.writes).isEmpty();
            }
        }

        @Test
        void triesTheNewPrimaryAsSoonAsTheWatchSeesIt() throws Exception {
            try (RoutingConnection conn = open(URL.replace("200ms", "1h")); Statement s = conn.createStatement()) {
                a.readOnly = true;
                d = servers.add("10.0.0.4:3306", 4, false);
                Background consulCatchesUp = Background.when(() -> discovery.watchers("primary") > 0,
                        () -> discovery.set("primary", "10.0.0.4:3306"));
                try {
                    s.executeUpdate("INSERT INTO t VALUES (1)");
                } finally {
                    consulCatchesUp.join();
                }
                assertThat(d.writes).containsExactly("INSERT INTO t VALUES (1)");
                assertThat(discovery.watchers("primary")).as("the wait's watch is closed").isZero();
            }
        }

        @Test
        void verifiesTheNewPrimaryEvenWithoutTheRoleCheck() throws SQLException {
            try (RoutingConnection conn = open(URL + "&consul.roleCheck=false"); Statement s = conn.createStatement()) {
                a.readOnly = true;
                d = servers.add("10.0.0.4:3306", 4, false);
                discovery.set("primary", "10.0.0.1:3306", "10.0.0.4:3306");
                s.executeUpdate("INSERT INTO t VALUES (1)");
                assertThat(d.writes).containsExactly("INSERT INTO t VALUES (1)");
                assertThat(conn.serverAddress()).isEqualTo("10.0.0.4:3306");
            }
        }

        @Test
        void preparedStatementsCarryTheirParametersAndSettingsOver() throws SQLException {
            try (RoutingConnection conn = open(URL);
                    PreparedStatement ps = conn.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
                ps.setQueryTimeout(5);
                ps.setInt(1, 1);
                ps.setString(2, "one");
                ps.executeUpdate();
                ps.setString(2, "two");
                switchover();
                ps.executeUpdate();
                ps.clearParameters();
                ps.setInt(1, 3);
                ps.setString(2, "three");
                ps.executeUpdate();
                assertThat(a.writes).containsExactly("INSERT INTO t VALUES (?, ?) [1, one]");
                assertThat(d.writes).containsExactly("INSERT INTO t VALUES (?, ?) [1, two]",
                        "INSERT INTO t VALUES (?, ?) [3, three]");
                assertThat(d.settings).containsExactly("setQueryTimeout=5");
            }
        }

        @Test
        void otherStatementsOfTheConnectionFollowIt() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement first = conn.createStatement();
                    PreparedStatement second = conn.prepareStatement("INSERT INTO u VALUES (?)")) {
                second.setInt(1, 1);
                switchover();
                first.executeUpdate("INSERT INTO t VALUES (1)");
                second.executeUpdate();
                assertThat(d.writes).containsExactly("INSERT INTO t VALUES (1)", "INSERT INTO u VALUES (?) [1]");
                assertThat(second.getConnection()).isSameAs(conn);
            }
        }

        @Test
        void sessionSettingsFollowTheConnection() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                conn.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                switchover();
                s.executeUpdate("INSERT INTO t VALUES (1)");
                assertThat(d.connections).hasSize(1);
                assertThat(d.connections.get(0).isolation).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
                assertThat(d.connections.get(0).autoCommit).isTrue();
            }
        }

        @Test
        void neverInsideAJdbcTransaction() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                conn.setAutoCommit(false);
                switchover();
                SQLException e = catchThrowableOfType(SQLException.class, () -> s.executeUpdate("INSERT INTO t VALUES (1)"));
                assertThat(e.getErrorCode()).isEqualTo(1290);
                assertThat(e.getNextException().getSQLState()).isEqualTo("08006");
                assertThat(d.writes).isEmpty();
                assertThat(d.connections).isEmpty();
            }
        }

        @Test
        void neverInsideATransactionStartedAsSql() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                s.execute("BEGIN");
                switchover();
                assertThatThrownBy(() -> s.executeUpdate("INSERT INTO t VALUES (1)")).isInstanceOf(SQLException.class);
                assertThat(d.connections).isEmpty();
            }
        }

        @Test
        void neverOnceAutoCommitWasChangedThroughSql() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                s.execute("SET SESSION autocommit = 0");
                switchover();
                assertThatThrownBy(() -> s.executeUpdate("INSERT INTO t VALUES (1)")).isInstanceOf(SQLException.class);
                assertThat(d.connections).isEmpty();
            }
        }

        @Test
        void neverAfterAnyOtherError() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                switchover();
                SQLException e = catchThrowableOfType(SQLException.class, () -> s.executeUpdate("a syntax error"));
                assertThat(e.getErrorCode()).isEqualTo(1064);
                assertThat(d.connections).isEmpty();
            }
        }

        @Test
        void neverAfterAConnectionErrorOnTheStatementItself() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                a.down = true;
                d = servers.add("10.0.0.4:3306", 4, false);
                discovery.set("primary", "10.0.0.4:3306");
                SQLException e = catchThrowableOfType(SQLException.class, () -> s.executeUpdate("INSERT INTO t VALUES (1)"));
                assertThat(e.getSQLState()).startsWith("08");
                assertThat(d.writes).as("it may have run on the old primary").isEmpty();
            }
        }

        @Test
        void aBrokenPrimaryIsReplacedBeforeTheNextStatementIsSent() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                a.down = true;
                d = servers.add("10.0.0.4:3306", 4, false);
                discovery.set("primary", "10.0.0.4:3306");
                assertThatThrownBy(() -> s.executeUpdate("INSERT INTO t VALUES (1)")).isInstanceOf(SQLException.class);
                assertThat(conn.isValid(1)).isFalse();
                s.executeUpdate("INSERT INTO t VALUES (2)");
                try (Statement fresh = conn.createStatement()) {
                    fresh.executeUpdate("INSERT INTO t VALUES (3)");
                }
                assertThat(d.writes).containsExactly("INSERT INTO t VALUES (2)", "INSERT INTO t VALUES (3)");
                assertThat(conn.isValid(1)).isTrue();
            }
        }

        @Test
        void neverBatchesNorStreamParameters() throws SQLException {
            try (RoutingConnection conn = open(URL); PreparedStatement ps = conn.prepareStatement("INSERT INTO t VALUES (?)")) {
                ps.setBinaryStream(1, new java.io.ByteArrayInputStream(new byte[] {1}));
                switchover();
                assertThatThrownBy(ps::executeUpdate).isInstanceOf(SQLException.class);
                ps.setInt(1, 1);
                ps.addBatch();
                assertThatThrownBy(ps::executeBatch).isInstanceOf(SQLException.class);
                assertThat(d.connections).isEmpty();
            }
        }

        @Test
        void aRefusalForAnotherOptionIsTheServersOwnErrorAndNothingRunsAgain() throws SQLException {
            try (RoutingConnection conn = open(URL.replace("200ms", "2s")); Statement s = conn.createStatement()) {
                int before = discovery.refreshes("primary");
                a.failsAfterWriting = "The MariaDB server is running with the --secure-file-priv option so it cannot"
                        + " execute this statement";
                SQLException e = catchThrowableOfType(SQLException.class, () -> s.execute("CALL record_and_export()"));
                assertThat(a.writes).as("the CALL ran once").containsExactly("CALL record_and_export()");
                assertThat(e.getErrorCode()).isEqualTo(1290);
                assertThat(e.getSQLState()).isEqualTo("HY000");
                assertThat(e.getMessage()).contains("--secure-file-priv");
                assertThat((Object) e.getNextException()).as("no failover verdict for the pool").isNull();
                assertThat(e.getSuppressed()).isEmpty();
                assertThat(conn.isValid(1)).isTrue();
                assertThat(conn.invalidReason()).isNull();
                assertThat(discovery.refreshes("primary")).as("Consul is not asked again").isEqualTo(before);
            }
        }

        @Test
        void neverACallEvenWhenRefusedAsReadOnly() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                switchover();
                SQLException e = catchThrowableOfType(SQLException.class, () -> s.execute("CALL p()"));
                assertThat(e.getErrorCode()).isEqualTo(1290);
                assertThat(e.getNextException().getSQLState()).as("the pool still learns of the failover")
                        .isEqualTo("08006");
                assertThat(d.connections).isEmpty();
                assertThatThrownBy(() -> s.execute("{call p(1)}")).isInstanceOf(SQLException.class);
                assertThat(d.writes).isEmpty();
            }
        }

        @Test
        void neverMultiStatementText() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                switchover();
                assertThatThrownBy(() -> s.execute("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)"))
                        .isInstanceOf(SQLException.class);
                assertThat(d.connections).isEmpty();
            }
        }

        @Test
        void neverOnTheServerThatRefusedIt() throws SQLException {
            try (RoutingConnection conn = open(URL.replace("200ms", "2s")); Statement s = conn.createStatement()) {
                a.refusesWritesAsReadOnly = true;
                SQLException e = catchThrowableOfType(SQLException.class, () -> s.executeUpdate("INSERT INTO t VALUES (1)"));
                assertThat(e.getErrorCode()).isEqualTo(1290);
                assertThat(a.writeAttempts).as("the refused write, not a re-run on the same server").hasSize(1);
                assertThat(e.getSuppressed()).singleElement().satisfies(x -> assertThat(x)
                        .hasMessageContaining("10.0.0.1:3306").hasMessageContaining("same server"));
            }
        }

        @Test
        void backsOffBetweenReRuns() throws SQLException {
            d = servers.add("10.0.0.4:3306", 4, false);
            // two servers that answer @@read_only = 0 yet refuse writes, and Consul naming the other one
            // each time one refused
            a.refusesWritesAsReadOnly = true;
            d.refusesWritesAsReadOnly = true;
            Runnable consulNamesTheOther = () -> discovery.set("primary",
                    a.writeAttempts.size() > d.writeAttempts.size() ? "10.0.0.4:3306" : "10.0.0.1:3306");
            a.afterWriteAttempt = consulNamesTheOther;
            d.afterWriteAttempt = consulNamesTheOther;
            try (RoutingConnection conn = open(URL.replace("200ms", "1s") + "&consul.probeKnownNodes=false");
                    Statement s = conn.createStatement()) {
                long started = System.nanoTime();
                SQLException e = catchThrowableOfType(SQLException.class, () -> s.executeUpdate("INSERT INTO t VALUES (1)"));
                assertThat(e.getErrorCode()).isEqualTo(1290);
                java.util.List<Long> attempts = new java.util.ArrayList<>(a.writeAttempts);
                attempts.addAll(d.writeAttempts);
                attempts.sort(null);
                assertThat(attempts.size()).as("attempts within a 1 s budget").isBetween(2, 12);
                for (int i = 2; i < attempts.size(); i++) {
                    assertThat(attempts.get(i) - attempts.get(i - 1)).as("pause before re-run " + i)
                            .isGreaterThanOrEqualTo(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(40));
                }
                assertThat(System.nanoTime() - started).isLessThan(java.util.concurrent.TimeUnit.SECONDS.toNanos(5));
            }
        }

        @Test
        void givesUpAfterTheFailoverTimeoutWithTheRefusal() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                a.readOnly = true;
                SQLException e = catchThrowableOfType(SQLException.class, () -> s.executeUpdate("INSERT INTO t VALUES (1)"));
                assertThat(e.getErrorCode()).isEqualTo(1290);
                assertThat(e.getNextException().getSQLState()).isEqualTo("08006");
                assertThat(e.getSuppressed()).singleElement().satisfies(
                        x -> assertThat(x).hasMessageContaining("no writable primary for 'primary'"));
                assertThat(conn.isValid(1)).isFalse();
            }
        }

        @Test
        void neverWithMultiStatementStrings() throws SQLException {
            try (RoutingConnection conn = open(URL + "&allowMultiQueries=true"); Statement s = conn.createStatement()) {
                switchover();
                assertThatThrownBy(() -> s.executeUpdate("INSERT INTO t VALUES (1)")).isInstanceOf(SQLException.class);
                assertThat(d.connections).isEmpty();
            }
        }
    }

    /**
     * consul.probeKnownNodes: Consul still lists the demoted primary ({@code a}) as the primary and
     * the promoted replica as a replica; the connection asks the servers themselves.
     */
    @Nested
    class ProbingKnownServers {

        private final String patient = URL.replace("200ms", "10s");

        /** The switchover as the servers see it, before Consul's next check. */
        private void promoteBehindConsulsBack(FakeServers.Server replica) {
            a.readOnly = true;
            replica.readOnly = false;
        }

        @Test
        void aRefusedWriteRunsOnThePromotedReplicaBeforeConsulListsIt() throws SQLException {
            try (RoutingConnection conn = open(patient); Statement s = conn.createStatement()) {
                s.executeUpdate("INSERT INTO t VALUES (1)");
                promoteBehindConsulsBack(b);
                assertThat(s.executeUpdate("INSERT INTO t VALUES (2)")).isEqualTo(1);
                assertThat(a.writes).containsExactly("INSERT INTO t VALUES (1)");
                assertThat(b.writes).containsExactly("INSERT INTO t VALUES (2)");
                assertThat(c.writes).isEmpty();
                assertThat(conn.serverAddress()).isEqualTo("10.0.0.2:3306");
                assertThat(discovery.resolve("primary").all()).as("Consul has not changed")
                        .extracting(Endpoint::address).containsExactly("10.0.0.1:3306");
                assertThat(b.queries).as("the app user may not read the replication status here")
                        .contains("SELECT @@read_only", "SHOW REPLICA STATUS");
            }
        }

        @Test
        void connectFindsThePromotedReplicaToo() throws SQLException {
            promoteBehindConsulsBack(c);
            try (RoutingConnection conn = open(patient)) {
                assertThat(conn.serverAddress()).isEqualTo("10.0.0.3:3306");
                assertThat(serverId(conn)).isEqualTo(3);
            }
        }

        @Test
        void aBrokenPrimaryIsReplacedByTheReplicaThatTookOver() throws SQLException {
            try (RoutingConnection conn = open(patient); Statement s = conn.createStatement()) {
                a.down = true;
                b.readOnly = false;
                assertThatThrownBy(() -> s.executeUpdate("INSERT INTO t VALUES (1)")).isInstanceOf(SQLException.class);
                s.executeUpdate("INSERT INTO t VALUES (2)");
                assertThat(b.writes).containsExactly("INSERT INTO t VALUES (2)");
            }
        }

        @Test
        void thePrimarysEarlierInstancesAreProbedToo() throws SQLException {
            try (RoutingConnection first = open(patient)) {
                // Consul lists a server that is gone; the one seen before is still the primary
                discovery.set("primary", "10.0.0.9:3306");
                try (RoutingConnection second = open(patient)) {
                    assertThat(second.serverAddress()).isEqualTo("10.0.0.1:3306");
                }
            }
        }

        @Test
        void twoWritableServersAreNoAnswerSoTheRefusalStands() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                promoteBehindConsulsBack(b);
                c.readOnly = false;
                SQLException e = catchThrowableOfType(SQLException.class, () -> s.executeUpdate("INSERT INTO t VALUES (1)"));
                assertThat(e.getErrorCode()).isEqualTo(1290);
                assertThat(e.getSuppressed()).singleElement().satisfies(x -> assertThat(x).hasMessageContaining(
                        "split brain"));
                assertThat(b.writes).isEmpty();
                assertThat(c.writes).isEmpty();
            }
        }

        @Test
        void consulChoosingOneOfTwoWritableServersDoesNotEndTheSplitBrain() throws Exception {
            try (RoutingConnection conn = open(patient); Statement s = conn.createStatement();
                    DiscoveryRegistry.Lease lease = registry.acquire(ConsulUrl.parse(patient, null).discoveryKey())) {
                promoteBehindConsulsBack(b);
                c.readOnly = false;
                // both probed twice: the connection saw the split brain and kept waiting
                Background consulChooses = Background.when(() -> probes(b) >= 2 && probes(c) >= 2,
                        () -> discovery.set("primary", "10.0.0.3:3306"));
                // Consul's word alone does not end it: b must stop being writable
                Background operatorDemotes = Background.when(
                        () -> discovery.resolve("primary").all().size() == 1
                                && discovery.resolve("primary").all().get(0).port() == 3306
                                && discovery.resolve("primary").all().get(0).host().equals("10.0.0.3") && probes(b) >= 4,
                        () -> b.readOnly = true);
                try {
                    s.executeUpdate("INSERT INTO t VALUES (1)");
                } finally {
                    consulChooses.join();
                    operatorDemotes.join();
                }
                assertThat(c.writes).containsExactly("INSERT INTO t VALUES (1)");
                assertThat(b.writes).isEmpty();
                assertThat(lease.prober().splitBrains("primary")).as("one episode, warned once").isEqualTo(1);
            }
        }

        @Test
        void aServerThatAnswersReadOnlyIsNeverChosen() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                a.readOnly = true;
                SQLException e = catchThrowableOfType(SQLException.class, () -> s.executeUpdate("INSERT INTO t VALUES (1)"));
                assertThat(e.getErrorCode()).isEqualTo(1290);
                assertThat(e.getSuppressed()).singleElement().satisfies(x -> assertThat(x).hasMessageContaining(
                        "10.0.0.2:3306 read_only").hasMessageContaining("10.0.0.3:3306 read_only"));
                assertThat(b.queries).contains("SELECT @@read_only");
                assertThat(b.writes).isEmpty();
                assertThat(c.writes).isEmpty();
                assertThat(b.connections).allMatch(x -> x.closed);
                assertThat(c.connections).allMatch(x -> x.closed);
                assertThat(conn.serverAddress()).isEqualTo("10.0.0.1:3306");
            }
        }

        @Test
        void aMySqlReplicaThatSuperUsersCanStillWriteToIsNamedSo() throws SQLException {
            b.version = "8.0.36";
            b.superReadOnly = false;
            c.version = "8.0.36";
            c.superReadOnly = true;
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                a.readOnly = true;
                SQLException e = catchThrowableOfType(SQLException.class, () -> s.executeUpdate("INSERT INTO t VALUES (1)"));
                assertThat(e.getSuppressed()).singleElement().satisfies(x -> assertThat(x)
                        .hasMessageContaining("10.0.0.2:3306 read_only (super_read_only = 0: users with SUPER still write"
                                + " there)").hasMessageContaining("10.0.0.3:3306 read_only")
                        .hasMessageNotContaining("10.0.0.3:3306 read_only ("));
                assertThat(b.queries).contains("SELECT @@read_only, @@super_read_only");
                assertThat(a.queries).as("MariaDB has no super_read_only: not asked").doesNotContain(
                        "SELECT @@read_only, @@super_read_only");
            }
        }

        @Test
        void aMySqlServerWithoutSuperReadOnlyIsAskedForReadOnlyAlone() throws SQLException {
            a.version = "5.7.5";
            try (RoutingConnection conn = open(URL)) {
                assertThat(conn.serverAddress()).isEqualTo("10.0.0.1:3306");
                assertThat(a.queries).containsExactly("SELECT @@read_only, @@super_read_only", "SELECT @@read_only");
            }
        }

        @Test
        void aWritableServerThatStillReplicatesIsNotChosen() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                promoteBehindConsulsBack(b);
                b.replicationStatusReadable = true;
                b.replicating = true;
                assertThatThrownBy(() -> s.executeUpdate("INSERT INTO t VALUES (1)")).isInstanceOf(SQLException.class);
                assertThat(b.writes).isEmpty();
                b.replicating = false;
                s.executeUpdate("INSERT INTO t VALUES (2)");
                assertThat(b.writes).containsExactly("INSERT INTO t VALUES (2)");
            }
        }

        @Test
        void aRefusedReplicationStatusIsNotAskedAgain() throws SQLException {
            NodeProber prober = new NodeProber();
            java.util.Properties pw = new java.util.Properties();
            pw.setProperty("password", "pw");
            try (Connection conn = servers.connect("jdbc:mysql://10.0.0.2:3306/shop", pw);
                    Statement s = conn.createStatement()) {
                assertThat(ProbeSql.replicating(s, prober, "b")).isNull();
                assertThat(ProbeSql.replicating(s, prober, "b")).isNull();
                assertThat(b.queries).as("access denied: the other forms need the same privilege")
                        .containsExactly("SHOW ALL SLAVES STATUS", "SHOW REPLICA STATUS");
            } finally {
                prober.close();
            }
        }

        @Test
        void theReplicationStatusThatWorksIsRemembered() throws SQLException {
            NodeProber prober = new NodeProber();
            java.util.Properties pw = new java.util.Properties();
            pw.setProperty("password", "pw");
            b.replicationStatusReadable = true;
            b.replicating = true;
            try (Connection conn = servers.connect("jdbc:mysql://10.0.0.2:3306/shop", pw);
                    Statement s = conn.createStatement()) {
                assertThat(ProbeSql.replicating(s, prober, "b")).isTrue();
                b.replicating = false;
                assertThat(ProbeSql.replicating(s, prober, "b")).isFalse();
                assertThat(b.queries).containsExactly("SHOW ALL SLAVES STATUS", "SHOW REPLICA STATUS",
                        "SHOW REPLICA STATUS");
            } finally {
                prober.close();
            }
        }

        private long probes(FakeServers.Server server) {
            return server.queries.stream().filter(q -> q.equals("SELECT @@read_only")).count();
        }

        @Test
        void withoutAReadServiceTheInstancesRegisteredUnderThePrimarysNameAreProbed() throws SQLException {
            FakeServers.Server d = servers.add("10.0.0.4:3306", 4, true);
            discovery.setRegistered("primary", Endpoint.of("10.0.0.1", 3306),
                    Endpoint.of("10.0.0.4", 3306).withHealth(Endpoint.Health.CRITICAL));
            String noReadService = "jdbc:consul:mysql://primary/shop?consul.failoverTimeout=10s&password=pw";
            try (RoutingConnection conn = open(noReadService);
                    Statement s = conn.createStatement()) {
                a.readOnly = true;
                d.readOnly = false;
                s.executeUpdate("INSERT INTO t VALUES (1)");
                assertThat(d.writes).containsExactly("INSERT INTO t VALUES (1)");
                assertThat(b.connections).as("not registered, not listed: unknown").isEmpty();
            }
        }

        @Test
        void whenOffWaitsForConsulAsBefore() throws SQLException {
            try (RoutingConnection conn = open(URL + "&consul.probeKnownNodes=false"); Statement s = conn.createStatement()) {
                promoteBehindConsulsBack(b);
                SQLException e = catchThrowableOfType(SQLException.class, () -> s.executeUpdate("INSERT INTO t VALUES (1)"));
                assertThat(e.getErrorCode()).isEqualTo(1290);
                assertThat(b.connections).isEmpty();
                assertThat(b.writes).isEmpty();
            }
        }
    }

    /** More than one server answers {@code @@read_only = 0}: no primary is handed out until only one does. */
    @Nested
    class TwoWritableServers {

        private final String patient = URL.replace("200ms", "10s");

        @Test
        void connectRefusesWhenConsulListsTwoWritableServers() throws SQLException {
            c.readOnly = false;
            discovery.set("primary", "10.0.0.1:3306", "10.0.0.3:3306");
            try (DiscoveryRegistry.Lease lease = registry.acquire(ConsulUrl.parse(URL, null).discoveryKey())) {
                SQLException e = catchThrowableOfType(SQLException.class, () -> open(URL));
                assertThat(e.getSQLState()).isEqualTo("08001");
                assertThat(e.getMessage()).contains("split brain").contains("10.0.0.1:3306").contains("10.0.0.3:3306");
                assertThat(a.connections).allMatch(x -> x.closed);
                assertThat(c.connections).allMatch(x -> x.closed);
                assertThat(lease.prober().splitBrains("primary")).isEqualTo(1);
            }
        }

        @Test
        void connectHandsOutThePrimaryOnceOnlyOneIsWritableWarningOnce() throws Exception {
            c.readOnly = false;
            discovery.set("primary", "10.0.0.1:3306", "10.0.0.3:3306");
            try (DiscoveryRegistry.Lease lease = registry.acquire(ConsulUrl.parse(patient, null).discoveryKey())) {
                Background fixed = Background.when(() -> c.queries.size() >= 3, () -> c.readOnly = true);
                try (RoutingConnection conn = open(patient)) {
                    assertThat(conn.serverAddress()).isEqualTo("10.0.0.1:3306");
                } finally {
                    fixed.join();
                }
                assertThat(lease.prober().splitBrains("primary")).as("several rounds, one episode").isEqualTo(1);
                c.readOnly = false;
                assertThatThrownBy(() -> open(URL)).hasMessageContaining("split brain");
                assertThat(lease.prober().splitBrains("primary")).as("a new episode").isEqualTo(2);
            }
        }

        @Test
        void aConsulListedServerAndAProbedOneBothWritableAreASplitBrainToo() throws SQLException {
            try (RoutingConnection conn = open(URL); Statement s = conn.createStatement()) {
                a.readOnly = true;
                b.readOnly = false;
                d = servers.add("10.0.0.4:3306", 4, false);
                discovery.set("primary", "10.0.0.1:3306", "10.0.0.4:3306");
                SQLException e = catchThrowableOfType(SQLException.class, () -> s.executeUpdate("INSERT INTO t VALUES (1)"));
                assertThat(e.getErrorCode()).isEqualTo(1290);
                assertThat(e.getSuppressed()).singleElement().satisfies(x -> assertThat(x).hasMessageContaining(
                        "split brain").hasMessageContaining("10.0.0.2:3306").hasMessageContaining("10.0.0.4:3306"));
                assertThat(b.writes).isEmpty();
                assertThat(d.writes).isEmpty();
            }
        }

        private FakeServers.Server d;
    }

    @Nested
    class Wrapping {

        @Test
        void statementsAndResultSetsReportTheWrapper() throws SQLException {
            try (RoutingConnection conn = open(URL); PreparedStatement ps = conn.prepareStatement("SELECT @@server_id");
                    Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT @@server_id")) {
                assertThat(ps.getConnection()).isSameAs(conn);
                assertThat(s.getConnection()).isSameAs(conn);
                assertThat(rs.getStatement()).isSameAs(s);
                assertThat(s.unwrap(Statement.class)).isSameAs(s);
                assertThat(conn.unwrap(RoutingConnection.class)).isSameAs(conn);
            }
        }

        @Test
        void closeReleasesEverything() throws SQLException {
            RoutingConnection conn = open(URL);
            conn.setReadOnly(true);
            conn.close();
            conn.close();
            assertThat(conn.isClosed()).isTrue();
            assertThat(conn.isValid(0)).isFalse();
            assertThat(a.connections).allMatch(x -> x.closed);
            assertThat(b.connections).allMatch(x -> x.closed);
            assertThat(c.connections).allMatch(x -> x.closed);
            assertThat(discovery.isClosed()).isTrue();
            assertThat(catchThrowableOfType(SQLException.class, conn::createStatement).getSQLState()).isEqualTo("08003");
        }

        @Test
        void toStringMasksThePassword() throws SQLException {
            try (RoutingConnection conn = open(URL)) {
                assertThat(conn.toString()).contains("10.0.0.1:3306 (primary)").contains("password=****")
                        .doesNotContain("=pw");
            }
        }
    }
}
