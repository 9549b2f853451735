package io.waymark.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.DiscoveryException;
import io.waymark.discovery.Endpoint;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.ConsulSecurity;
import io.waymark.testkit.ServiceSpec;
import io.waymark.testkit.WaymarkTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code waymark.consul.*} TLS and token-file properties against a secured Consul (HTTPS with client
 * certificates, ACLs default deny): they reach discovery-core's parser as the application wrote them.
 */
@WaymarkTopology(consulServers = 1, consulSecured = true)
class SecuredConsulIT {

    @Test
    void mutualTlsAndATokenFileResolveAServiceAndWithoutTheTokenConsulRefuses(ConsulCluster consul,
            @TempDir Path dir) throws Exception {
        ConsulSecurity security = consul.security();
        consul.servers().get(0).register(ServiceSpec.builder("web").id("web-1").address("127.0.0.1").port(8080)
                .ttlCheck(Duration.ofMinutes(5), "web-1-ttl").build());
        consul.servers().get(0).updateTtl("web-1-ttl", "passing");
        consul.awaitPassing("web", 1, Duration.ofSeconds(30));
        Path tokenFile = Files.writeString(dir.resolve("consul.token"), security.readToken().secretId() + "\n");
        ConsulSecurity.TlsFiles tls = security.tls();
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(WaymarkAutoConfiguration.class))
                .withPropertyValues("waymark.consul.agents=https://" + consul.httpsAddress(),
                        "waymark.consul.ca-cert=" + tls.caCertificate(),
                        "waymark.consul.client-cert=" + tls.clientCertificate(),
                        "waymark.consul.client-key=" + tls.clientKey(),
                        "waymark.consul.tls-server-name=" + security.tlsServerName(),
                        "waymark.consul.resolve-timeout=5s");

        runner.withPropertyValues("waymark.consul.token-file=" + tokenFile).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(ConsulDiscovery.class).resolve("web").all()).extracting(Endpoint::port)
                    .containsExactly(8080);
        });
        runner.run(context -> assertThatThrownBy(() -> context.getBean(ConsulDiscovery.class).resolve("web"))
                .isInstanceOf(DiscoveryException.class));
    }
}
