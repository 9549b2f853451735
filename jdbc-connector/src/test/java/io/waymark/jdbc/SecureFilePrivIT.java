package io.waymark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.waymark.testkit.ConsulAgent;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.MariaDbNode;
import io.waymark.testkit.MariaDbReplication;
import io.waymark.testkit.ServiceSpec;
import io.waymark.testkit.Teardown;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Error 1290 ({@code ER_OPTION_PREVENTS_STATEMENT}) is not only "read-only": a server started
 * with {@code --secure-file-priv} answers it to a {@code SELECT ... INTO OUTFILE} outside that
 * directory, after whatever ran before it in the same {@code CALL}. The connection must not take
 * that for a demoted primary and re-run the call (the issue saw one auto-commit CALL run 172
 * times); the caller gets the server's own error, once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecureFilePrivIT {

    static final String PRIMARY = "w-master-mysql-3306";

    MariaDbReplication db;
    MariaDbNode primary;
    ConsulCluster consul;

    @BeforeAll
    void startServers(@TempDir Path files) throws SQLException {
        db = MariaDbReplication.builder().replicas(0).database("shop").appUser("app", "app-pw")
                .serverOption("--secure-file-priv=" + files).start();
        primary = db.primary();
        Path outside = Path.of("/tmp", "waymark-not-in-secure-file-priv.txt");
        Fixtures.asRoot(db, primary, "CREATE TABLE shop.calls (id INT AUTO_INCREMENT PRIMARY KEY)",
                "CREATE PROCEDURE shop.record_and_export() BEGIN"
                        + " INSERT INTO shop.calls () VALUES ();"
                        + " SELECT COUNT(*) FROM shop.calls INTO OUTFILE '" + outside + "';"
                        + " END",
                "GRANT EXECUTE ON shop.* TO 'app'@'%'");
        consul = ConsulCluster.builder().servers(1).clientAgent("app").start();
        ConsulAgent agent = consul.agent("app");
        agent.register(ServiceSpec.builder(PRIMARY).id(PRIMARY).tags("master").address(primary.host())
                .port(primary.port()).ttlCheck(Duration.ofMinutes(10), PRIMARY + "-role").build());
        agent.updateTtl(PRIMARY + "-role", "passing");
        consul.awaitPassing(PRIMARY, 1, Duration.ofSeconds(30));
    }

    @AfterAll
    void stopServers() {
        Teardown.closeAll(consul, db);
    }

    String url(String subprotocol) {
        return "jdbc:consul:" + subprotocol + "://" + PRIMARY + ".service.consul/shop?consul.agent="
                + consul.clients().get(0).httpAddress() + "&consul.failoverTimeout=3s&user=app&password=app-pw";
    }

    @ParameterizedTest
    @ValueSource(strings = {"mariadb", "mysql"})
    void anAutoCommitCallRefusedForAnotherOptionRunsOnceAndTheCallerGetsTheServersError(String subprotocol)
            throws SQLException {
        Fixtures.asRoot(db, primary, "DELETE FROM shop.calls");
        try (Connection c = DriverManager.getConnection(url(subprotocol)); Statement s = c.createStatement()) {
            SQLException e = catchThrowableOfType(SQLException.class, () -> s.execute("CALL record_and_export()"));
            long runs = Fixtures.queryAsRoot(db, primary, "SELECT COUNT(*) FROM shop.calls");
            System.out.printf("%s: one auto-commit CALL refused with --secure-file-priv ran %d times%n", subprotocol,
                    runs);
            assertThat(runs).as("rows the CALL inserted").isEqualTo(1);
            assertThat((Object) e).isNotNull();
            assertThat(e.getErrorCode()).isEqualTo(1290);
            assertThat(e.getSQLState()).isEqualTo("HY000");
            assertThat(e.getMessage()).contains("--secure-file-priv");
            assertThat((Object) e.getNextException()).as("no failover verdict chained for the pool").isNull();
            assertThat(e.getSuppressed()).isEmpty();
            assertThat(c.isValid(2)).as("the server is still the primary").isTrue();
            assertThat(c.unwrap(ConsulConnection.class).invalidReason()).isNull();
        }
    }
}
