package io.waymark.redis;

import static io.waymark.redis.RoleCheckedRedis.PASSWORD;
import static io.waymark.redis.RoleCheckedRedis.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.waymark.discovery.ConsulDiscoveryBuilder;
import io.waymark.testkit.ConsulAgent;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.ConsulSecurity;
import io.waymark.testkit.RedisNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StandaloneFailoverIT}'s switchover against a secured Consul (testkit: HTTPS only,
 * {@code verify_incoming}, ACLs with {@code default_policy = deny}): the connector reaches its
 * agent over mTLS with the PEM files {@code consul tls} wrote and the read token from a file,
 * configured through {@code consul(c -> ...)} as a user would; no caller sees an error, as on the
 * plain Consul. Then bad TLS files of the same kind fail {@code build()} naming the setting and
 * the file, never key material or the token.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecuredStandaloneFailoverIT extends AbstractRedisIT {

    private ConsulSecurity security;
    private Path tokenFile;

    @BeforeAll
    void startServers(@TempDir Path dir) throws IOException {
        startReplication(ConsulCluster.builder().secured().servers(1), Duration.ofSeconds(1), "app");
        security = consul.security();
        tokenFile = Files.writeString(dir.resolve("consul-token"), security.readToken().secretId() + "\n");
        raw = RedisClient.create();
        redis = RoleCheckedRedis.services(DiscoveredRedis.builder())
                .consul(mtls(consul.agent("app")))
                .readFrom(ReadPolicy.REPLICA_PREFERRED)
                .commandTimeout(Duration.ofSeconds(2))
                .failoverBudget(Duration.ofSeconds(2))
                .build();
    }

    /** The agent over https, the cluster's CA, the {@code -cli} certificate and key, the token file. */
    private Consumer<ConsulDiscoveryBuilder> mtls(ConsulAgent agent) {
        ConsulSecurity.TlsFiles tls = security.tls();
        return c -> c.agent("https://" + agent.httpsAddress()).caCert(tls.caCertificate())
                .clientCert(tls.clientCertificate()).clientKey(tls.clientKey()).tokenFile(tokenFile);
    }

    @Test
    @Order(10)
    void findsTheMasterAndTheReplicasThroughTheSecuredAgent() {
        RedisNode master = replication.master();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(redis.stats().masters()).containsExactly(master.address());
            assertThat(redis.stats().replicas()).containsExactlyInAnyOrderElementsOf(
                    replication.replicas().stream().map(RedisNode::address).toList());
        });
        assertThat(redis.sync().set("secured", "1")).isEqualTo("OK");
    }

    @Test
    @Order(20)
    void aSwitchoverUnderLoadShowsNoCallerAnErrorAsOnThePlainConsul() throws Exception {
        RedisNode target = replication.replicas().get(0);
        try (StatefulRedisConnection<String, String> direct = raw.connect(RoleCheckedRedis.uri(target))) {
            SwitchoverUnderLoad.run(redis, replication, target).assertNoCallerErrorAndNothingLost(redis,
                    direct.sync());
        }
    }

    @Test
    @Order(30)
    void aKeyOfAnotherCertificateOrATruncatedKeyFailsBuildNamingItWithoutKeyMaterial(@TempDir Path dir)
            throws IOException {
        ConsulSecurity.TlsFiles tls = security.tls();
        Path foreignKey = security.untrustedTls().clientKey();
        List<String> keyLines = Files.readAllLines(tls.clientKey()).stream().filter(l -> !l.startsWith("-----"))
                .toList();
        List<String> foreignLines = Files.readAllLines(foreignKey).stream().filter(l -> !l.startsWith("-----"))
                .toList();
        String foreignFailure = refused(c -> c.clientKey(foreignKey), foreignLines);
        assertThat(foreignFailure).contains("clientKey does not belong to the certificate of clientCert");

        String pem = Files.readString(tls.clientKey());
        Path truncated = Files.writeString(dir.resolve("truncated-key.pem"),
                pem.substring(0, pem.length() / 2) + "\n-----END EC PRIVATE KEY-----\n");
        assertThat(refused(c -> c.clientKey(truncated), keyLines)).contains("clientKey").contains(truncated.toString());
    }

    /** build()'s failure with the working settings but {@code change}: no secret in its stack trace; its message. */
    private String refused(Consumer<ConsulDiscoveryBuilder> change, List<String> secrets) throws IOException {
        String token = security.readToken().secretId();
        IllegalStateException e = catchThrowableOfType(IllegalStateException.class, () -> DiscoveredRedis.builder()
                .consul(mtls(consul.agent("app"))).consul(change).writeService(WRITE).password(PASSWORD).build());
        assertThat(e).as("build() fails").isNotNull();
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString()).doesNotContain(token).doesNotContain(PASSWORD);
        assertThat(secrets).isNotEmpty().allSatisfy(line -> assertThat(trace.toString()).doesNotContain(line));
        return e.getMessage();
    }
}
