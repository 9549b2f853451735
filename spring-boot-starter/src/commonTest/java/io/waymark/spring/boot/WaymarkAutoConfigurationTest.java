package io.waymark.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.InMemoryDiscovery;
import io.waymark.micrometer.DiscoveryMeterBinder;
import io.waymark.micrometer.JdbcMeterBinder;
import io.waymark.redis.DiscoveredRedis;
import io.waymark.redis.TopologyMode;
import io.waymark.spring.redis.DiscoveredRedisConnectionFactory;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Binding, back-off and failure analysis of the auto-configuration, for both Boot lines (the same source
 * runs in each starter module; {@link BootLine} names the classes that differ). No server: Consul is an
 * {@link InMemoryDiscovery} where a Redis bean must be built (standalone topology, nothing listed).
 */
class WaymarkAutoConfigurationTest {

    private static final String WRITE = "w-master-redis-8888.service.consul";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(WaymarkAutoConfiguration.class,
                    WaymarkMetricsAutoConfiguration.class))
            .withConfiguration(BootLine.redis());

    /** Redis configured without a server: standalone, nothing in Consul. */
    private ApplicationContextRunner redisWithoutServers() {
        return runner.withBean(ConsulDiscovery.class, InMemoryDiscovery::new)
                .withPropertyValues("waymark.redis.write-service=" + WRITE,
                        "waymark.redis.read-service=r-slave-redis-8888.service.consul",
                        "waymark.redis.topology=standalone", "waymark.redis.password=secret-password");
    }

    private static String analysis(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        Throwable t = context.getStartupFailure();
        while (t != null && !(t instanceof InvalidWaymarkPropertyException)) {
            t = t.getCause();
        }
        assertThat(t).as("an InvalidWaymarkPropertyException in the causes").isNotNull();
        FailureAnalysis a = new WaymarkPropertyFailureAnalyzer().analyze(context.getStartupFailure());
        assertThat(a).isNotNull();
        return a.getDescription() + " / " + a.getAction();
    }

    @Test
    void withoutWaymarkPropertiesNothingIsCreatedAndBootsOwnRedisFactoryStays() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(ConsulDiscovery.class);
            assertThat(context).doesNotHaveBean(WaymarkRedisClients.class);
            assertThat(context.getBean(RedisConnectionFactory.class))
                    .isNotInstanceOf(DiscoveredRedisConnectionFactory.class);
        });
    }

    @Test
    void propertiesBindInTheirConfigurationFileForms() {
        runner.withPropertyValues("waymark.consul.agents=127.0.0.11:8500,127.0.0.12:8500", "waymark.consul.mode=dns",
                "waymark.consul.token=t0ken", "waymark.redis.enabled=false",
                "waymark.redis.write-service=" + WRITE, "waymark.redis.read-policy=replica-preferred",
                "waymark.redis.failover-budget=2s", "waymark.redis.command-timeout=1500ms").run(context -> {
                    assertThat(context).hasNotFailed();
                    WaymarkProperties p = context.getBean(WaymarkProperties.class);
                    assertThat(p.getConsul()).containsEntry("agents", "127.0.0.11:8500,127.0.0.12:8500")
                            .containsEntry("mode", "dns");
                    assertThat(p.getRedis().getWriteService()).isEqualTo(WRITE);
                    assertThat(p.getRedis().getReadPolicy()).isEqualTo("replica-preferred");
                    assertThat(p.getRedis().getFailoverBudget()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(p.getRedis().getCommandTimeout()).isEqualTo(Duration.ofMillis(1500));
                    assertThat(p.toString()).doesNotContain("t0ken");
                    // waymark.redis.enabled=false: discovery only
                    assertThat(context).hasSingleBean(ConsulDiscovery.class);
                    assertThat(context).doesNotHaveBean(WaymarkRedisClients.class);
                });
    }

    @Test
    void redisPropertiesGiveTheFactoriesBootsTemplatesRunOn() {
        redisWithoutServers().run(context -> {
            assertThat(context).hasNotFailed();
            RedisConnectionFactory factory = context.getBean(RedisConnectionFactory.class);
            assertThat(factory).isInstanceOf(DiscoveredRedisConnectionFactory.class);
            assertThat(context.getBean(ReactiveRedisConnectionFactory.class)).isSameAs(factory);
            assertThat(context.getBean(StringRedisTemplate.class).getConnectionFactory()).isSameAs(factory);
            assertThat(context.getBean(ReactiveStringRedisTemplate.class).getConnectionFactory()).isSameAs(factory);
            WaymarkRedisClients clients = context.getBean(WaymarkRedisClients.class);
            assertThat(clients.all()).containsOnlyKeys("template");
            assertThat(clients.all().get("template").stats().mode()).isEqualTo(TopologyMode.STANDALONE);
            // the DiscoveredRedis<String, String> bean is built when first asked for
            DiscoveredRedis<?, ?> redis = context.getBean(DiscoveredRedis.class);
            assertThat(clients.all()).containsOnlyKeys("template", "string").containsEntry("string", redis);
            assertThat(redis.toString()).doesNotContain("secret-password");
        });
    }

    @Test
    void closingTheContextLeavesNoThreadOfTheConnectorsOrOfLettuce() {
        Set<String> before = Threads.names();
        redisWithoutServers().run(context -> {
            assertThat(context).hasNotFailed();
            context.getBean(DiscoveredRedis.class);
            // the reactive instance is built when the first reactive connection is asked for
            context.getBean(ReactiveRedisConnectionFactory.class).getReactiveConnection().close();
            assertThat(context.getBean(WaymarkRedisClients.class).all()).containsOnlyKeys("template", "string",
                    "reactive");
        });
        Threads.awaitNoneLeftSince(before);
    }


    @Test
    void everyBeanBacksOffWhenTheApplicationDefinesItsOwn() {
        LettuceConnectionFactory own = new LettuceConnectionFactory();
        InMemoryDiscovery ownDiscovery = new InMemoryDiscovery();
        runner.withPropertyValues("waymark.redis.write-service=" + WRITE, "waymark.redis.topology=standalone")
                .withBean("ownDiscovery", ConsulDiscovery.class, () -> ownDiscovery)
                .withBean(RedisConnectionFactory.class, () -> own)
                .withBean("ownRedis", DiscoveredRedis.class, () -> DiscoveredRedis.builder().discovery(ownDiscovery)
                        .writeService("own-redis").topology(TopologyMode.STANDALONE).build())
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean("waymarkConsulDiscovery");
                    assertThat(context).doesNotHaveBean("discoveredRedis");
                    assertThat(context.getBean(RedisConnectionFactory.class)).isSameAs(own);
                    assertThat(context.getBean(DiscoveredRedis.class).toString()).contains("own-redis");
                    // the factory-less instances still use the application's discovery
                    assertThat(context.getBean(WaymarkRedisClients.class).all()).isEmpty();
                });
    }

    @Test
    void anUnknownReadPolicyFailsStartupNamingTheProperty() {
        redisWithoutServers().withPropertyValues("waymark.redis.read-policy=fastest").run(context ->
                assertThat(analysis(context)).contains("waymark.redis.read-policy", "fastest", "REPLICA_PREFERRED"));
    }

    @Test
    void aNegativeFailoverBudgetFailsStartupNamingTheProperty() {
        redisWithoutServers().withPropertyValues("waymark.redis.failover-budget=-1s").run(context ->
                assertThat(analysis(context)).contains("waymark.redis.failover-budget", "must not be negative"));
    }

    @Test
    void aMissingWriteServiceFailsStartupNamingTheProperty() {
        runner.withBean(ConsulDiscovery.class, InMemoryDiscovery::new)
                .withPropertyValues("waymark.redis.read-service=r-slave-redis-8888").run(context ->
                        assertThat(analysis(context)).contains("waymark.redis.write-service", "required"));
    }

    @Test
    void aBadAgentAddressFailsStartupNamingTheProperty() {
        runner.withPropertyValues("waymark.consul.agents=127.0.0.11:8500,127.0.0.12:99999").run(context ->
                assertThat(analysis(context)).contains("waymark.consul.agent", "127.0.0.12:99999"));
    }

    @Test
    void aYamlListOfAgentsIsOneCommaSeparatedSetting() {
        runner.withPropertyValues("waymark.consul.agents[0]=127.0.0.11:8500", "waymark.consul.agents[1]=127.0.0.12:99999")
                .run(context -> assertThat(analysis(context)).contains("waymark.consul.agent", "127.0.0.12:99999"));
    }

    @Test
    void everyConsulKeyGoesToDiscoveryCoresParserWhichNamesTheSpringProperty() {
        runner.withPropertyValues("waymark.consul.agent=https://127.0.0.11:8501",
                "waymark.consul.tls-server-name=not a host name").run(context ->
                        assertThat(analysis(context)).contains("waymark.consul.tls-server-name"));
        runner.withPropertyValues("waymark.consul.no-such-setting=1").run(context ->
                assertThat(analysis(context)).contains("waymark.consul.no-such-setting", "caCert", "tokenFile"));
        runner.withPropertyValues("waymark.consul.agent=https://127.0.0.11:8501",
                "waymark.consul.client-cert=/nonexistent/client.pem").run(context ->
                        assertThat(analysis(context)).contains("waymark.consul"));
    }

    @Test
    void aSecretValueNeverShowsInTheFailure() {
        runner.withPropertyValues("waymark.consul.token=bad token with spaces").run(context -> {
            String a = analysis(context);
            assertThat(a).contains("waymark.consul.token").doesNotContain("bad token");
        });
    }

    @Test
    void aConsulDataSourceUrlGetsTheJdbcMetersOfItsPrimaryService() {
        runner.withPropertyValues("spring.datasource.url=jdbc:consul:mariadb://w-master-mysql-3306.service.consul/shop")
                .run(context -> {
                    SimpleMeterRegistry registry = new SimpleMeterRegistry();
                    context.getBean(JdbcMeterBinder.class).bindTo(registry);
                    assertThat(registry.get("waymark.jdbc.failovers").functionCounter().count()).isZero();
                });
        runner.withPropertyValues("spring.datasource.url=jdbc:mariadb://127.0.0.1/shop").run(context ->
                assertThat(context).doesNotHaveBean(JdbcMeterBinder.class));
    }

    @Test
    void metersAreBoundForDiscoveryAndForEachRedisInstanceAsItIsBuilt() {
        redisWithoutServers().withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(DiscoveryMeterBinder.class)).isNotNull();
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            context.getBean(RedisConnectionFactory.class);
            assertThat(registry.get("waymark.redis.masters").tag("client", "template").tag("service", WRITE).gauge()
                    .value()).isZero();
            assertThat(registry.find("waymark.redis.masters").tag("client", "string").gauge()).isNull();
            context.getBean(DiscoveredRedis.class);
            assertThat(registry.get("waymark.redis.failovers").tag("client", "string").functionCounter().count())
                    .isZero();
        });
    }
}
