package io.waymark.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.InMemoryDiscovery;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
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
            Health redis = context.getBean("waymark-redisHealthIndicator", HealthIndicator.class).health();
            assertThat(redis.getStatus()).isEqualTo(Status.DOWN);
            assertThat(redis.getDetails()).containsKey("string");
            @SuppressWarnings("unchecked")
            Map<String, Object> one = (Map<String, Object>) redis.getDetails().get("string");
            assertThat(one).containsEntry("mode", "standalone").containsEntry("reason", "no writable master known");

            Health discovery = context.getBean("waymark-discoveryHealthIndicator", HealthIndicator.class).health();
            assertThat(discovery.getStatus()).isEqualTo(Status.UP);
            assertThat(discovery.getDetails()).containsKeys("watchedNames", "oldestStale", "errors.timeout");
        });
    }

    @Test
    void bothIndicatorsSwitchOffTogetherAndBackOffForTheApplicationsOwn() {
        runner.withPropertyValues("management.health.waymark.enabled=false").run(context ->
                assertThat(context).doesNotHaveBean("waymark-redisHealthIndicator")
                        .doesNotHaveBean("waymark-discoveryHealthIndicator"));
        HealthIndicator own = () -> Health.up().build();
        runner.withBean("waymark-redisHealthIndicator", HealthIndicator.class, () -> own).run(context ->
                assertThat(context.getBean("waymark-redisHealthIndicator")).isSameAs(own));
    }
}
