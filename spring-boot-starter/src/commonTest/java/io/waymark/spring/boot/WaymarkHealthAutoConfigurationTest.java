package io.waymark.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.InMemoryDiscovery;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class WaymarkHealthAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(WaymarkAutoConfiguration.class,
                    WaymarkHealthAutoConfiguration.class))
            .withBean(ConsulDiscovery.class, InMemoryDiscovery::new)
            .withPropertyValues("waymark.redis.write-service=w-master-redis-8888", "waymark.redis.topology=standalone");

    @Test
    void redisIsDownWhileNoWritableMasterIsKnownAndDiscoveryUpWhileNothingIsStale() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            // the DiscoveredRedis bean is lazy: ask for it, so that an instance exists
            context.getBean(io.waymark.redis.DiscoveredRedis.class);
            BootLine.HealthView redis = BootLine.health(context, "waymark-redisHealthIndicator");
            assertThat(redis.status()).isEqualTo("DOWN");
            assertThat(redis.details()).containsKey("string");
            @SuppressWarnings("unchecked")
            Map<String, Object> one = (Map<String, Object>) redis.details().get("string");
            assertThat(one).containsEntry("mode", "standalone").containsEntry("reason", "no writable master known");

            BootLine.HealthView discovery = BootLine.health(context, "waymark-discoveryHealthIndicator");
            assertThat(discovery.status()).isEqualTo("UP");
            assertThat(discovery.details()).containsKeys("watchedNames", "oldestStale", "errors.timeout");
        });
    }

    @Test
    void bothIndicatorsSwitchOffTogetherAndBackOffForTheApplicationsOwn() {
        runner.withPropertyValues("management.health.waymark.enabled=false").run(context ->
                assertThat(context).doesNotHaveBean("waymark-redisHealthIndicator")
                        .doesNotHaveBean("waymark-discoveryHealthIndicator"));
        Object own = BootLine.upIndicator();
        runner.withBean("waymark-redisHealthIndicator", Object.class, () -> own).run(context ->
                assertThat(context.getBean("waymark-redisHealthIndicator")).isSameAs(own));
    }
}
