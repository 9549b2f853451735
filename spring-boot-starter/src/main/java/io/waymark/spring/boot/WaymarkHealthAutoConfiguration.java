package io.waymark.spring.boot;

import io.waymark.discovery.ConsulDiscovery;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code waymark-discovery} and {@code waymark-redis} health indicators (Boot's health API), as
 * {@link WaymarkHealth} computes them; {@code management.health.waymark.enabled=false} switches both off.
 *
 * <p><b>Threading:</b> the indicators read snapshots; any thread.
 */
@AutoConfiguration(after = WaymarkAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnEnabledHealthIndicator("waymark")
public class WaymarkHealthAutoConfiguration {

    @Bean(name = "waymark-discoveryHealthIndicator")
    @ConditionalOnBean(ConsulDiscovery.class)
    @ConditionalOnMissingBean(name = "waymark-discoveryHealthIndicator")
    public HealthIndicator waymarkDiscoveryHealthIndicator(ConsulDiscovery discovery, WaymarkProperties properties) {
        return () -> health(WaymarkHealth.discovery(discovery, properties.getHealth().getMaxStaleness()));
    }

    @Bean(name = "waymark-redisHealthIndicator")
    @ConditionalOnBean(WaymarkRedisClients.class)
    @ConditionalOnMissingBean(name = "waymark-redisHealthIndicator")
    public HealthIndicator waymarkRedisHealthIndicator(WaymarkRedisClients clients) {
        return () -> health(WaymarkHealth.redis(clients.all()));
    }

    private static Health health(WaymarkHealth.Report r) {
        return (r.up() ? Health.up() : Health.down()).withDetails(r.details()).build();
    }
}
