package io.waymark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.ConsulSecurity;
import io.waymark.testkit.MariaDbNode;
import io.waymark.testkit.MariaDbReplication;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jdbc:consul:} against a secured Consul (testkit: HTTPS only, {@code verify_incoming},
 * ACLs with {@code default_policy = deny}), configured as a user would: the agents' https
 * addresses, the PEM files {@code consul tls} wrote and the read token in a file, as URL
 * parameters (and as HikariCP {@code dataSource.*} properties of {@link ConsulDataSource}). A
 * MariaDB primary + replica with a client agent per database host running the role checks; an
 * auto-commit switchover under 4 writers through HikariCP shows no caller an error, as on the
 * plain Consul ({@link AbstractConsulDriverIT}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecuredConsulDriverIT extends AbstractDatabaseIT {

    static final int WRITERS = 4;

    /** Static: JUnit fills a @TempDir instance field only before each test, after ready() ran. */
    @TempDir
    static Path dir;
    ConsulSecurity security;
    Path tokenFile;

    @Override
    MariaDbReplication startDatabase() {
        return MariaDbReplication.builder().replicas(1).database("shop").appUser("app", "app-pw-secured").start();
    }

    @Override
    ConsulCluster startConsul() {
        return roleCheckedConsul(ConsulCluster.builder().secured().servers(1), Duration.ofSeconds(1));
    }

    @Override
    void ready() throws Exception {
        super.ready();
        security = consul.security();
        tokenFile = Files.writeString(dir.resolve("consul-token"), security.readToken().secretId() + "\n");
    }

    /** Every client agent over https. */
    @Override
    String agents() {
        return consul.clients().stream().map(a -> "https://" + a.httpsAddress()).collect(Collectors.joining(","));
    }

    /** This driver's parameters and the delegate's, without the connection to Consul. */
    String url(String consulParameters) {
        return "jdbc:consul:mariadb://" + PRIMARY + ".service.consul/" + db.database() + "?" + consulParameters
                + (consulParameters.isEmpty() ? "" : "&") + "consul.readService=" + REPLICA + ".service.consul"
                + "&consul.failoverTimeout=10s&user=" + db.appUser() + "&password=" + db.appPassword();
    }

    /** The secured Consul as URL parameters: agents, CA, client certificate and key, token file. */
    @Override
    String url() {
        ConsulSecurity.TlsFiles tls = security.tls();
        return url("consul.agent=" + agents() + "&consul.caCert=" + tls.caCertificate() + "&consul.clientCert="
                + tls.clientCertificate() + "&consul.clientKey=" + tls.clientKey() + "&consul.tokenFile=" + tokenFile);
    }

    @Test
    @Order(1)
    void connectsThroughTheSecuredAgentsToAVerifiedPrimaryAndReadsFromTheReplica() throws SQLException {
        try (Connection c = DriverManager.getConnection(url())) {
            assertThat(WriterLoad.serverId(c)).isEqualTo(idOf(db.primary()));
            c.setReadOnly(true);
            assertThat(WriterLoad.serverId(c)).isEqualTo(idOf(db.replicas().get(0)));
        }
    }

    @Test
    @Order(2)
    void hikarisDataSourcePropertiesReachTheConsulSettingsOfTheDataSource() throws SQLException {
        ConsulSecurity.TlsFiles tls = security.tls();
        HikariConfig config = new HikariConfig();
        config.setPoolName("secured-data-source");
        config.setDataSourceClassName(ConsulDataSource.class.getName());
        config.addDataSourceProperty("url", url(""));
        config.addDataSourceProperty("agent", agents());
        config.addDataSourceProperty("caCert", tls.caCertificate().toString());
        config.addDataSourceProperty("clientCert", tls.clientCertificate().toString());
        config.addDataSourceProperty("clientKey", tls.clientKey().toString());
        config.addDataSourceProperty("tokenFile", tokenFile.toString());
        config.setMaximumPoolSize(1);
        try (HikariDataSource pool = new HikariDataSource(config); Connection c = pool.getConnection()) {
            assertThat(WriterLoad.serverId(c)).isEqualTo(idOf(db.primary()));
        }
    }

    @Test
    @Order(3)
    void anUntrustedCaFailsConnectNamingTheSettingWithinTheResolveTimeoutWithoutTheToken() {
        ConsulSecurity.TlsFiles wrong = security.untrustedTls();
        ConsulSecurity.TlsFiles tls = security.tls();
        String url = url("consul.agent=" + agents() + "&consul.caCert=" + wrong.caCertificate() + "&consul.clientCert="
                + tls.clientCertificate() + "&consul.clientKey=" + tls.clientKey() + "&consul.tokenFile=" + tokenFile
                + "&consul.resolveTimeout=3s");
        long started = System.nanoTime();
        SQLException e = catchThrowableOfType(SQLException.class, () -> DriverManager.getConnection(url));
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        System.out.printf("untrusted CA, after %d ms: %s%n", took.toMillis(), e.getMessage());
        assertThat(e.getSQLState()).isEqualTo("08001");
        assertThat(e.getMessage()).contains("not signed by a CA this client trusts")
                .contains(wrong.caCertificate().toString());
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString()).doesNotContain(security.readToken().secretId())
                .doesNotContain(db.appPassword());
        assertThat(took).as("within the resolve timeout").isLessThan(Duration.ofSeconds(8));
    }

    @Test
    @Order(4)
    void anAutoCommitSwitchoverUnderLoadShowsNoCallerAnErrorAsOnThePlainConsul() throws Exception {
        MariaDbNode oldPrimary = db.primary();
        MariaDbNode newPrimary = db.replicas().get(0);
        HikariConfig config = poolConfig("secured-writers", url(), WRITERS);
        config.setAutoCommit(true);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            WriterLoad.autoCommitSwitchover(pool, 0, WRITERS, db, newPrimary, idOf(oldPrimary), idOf(newPrimary),
                    "secured Consul, mariadb");
        }
    }
}
