package io.waymark.spring.boot;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.waymark.discovery.ConsulDiscovery;
import io.waymark.jdbc.JdbcStats;
import io.waymark.micrometer.DiscoveryMeterBinder;
import io.waymark.micrometer.JdbcMeterBinder;
import io.waymark.micrometer.RedisMeterBinder;
import io.waymark.redis.DiscoveredRedis;
import io.waymark.redis.RedisMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Micrometer meters for Waymark's beans (see {@link DiscoveryMeterBinder}, {@link RedisMeterBinder} and
 * {@link JdbcMeterBinder} for the names): the discovery binder, and the JDBC one when
 * {@code spring.datasource.url} is a {@code jdbc:consul:} URL, are {@link MeterBinder} beans (Boot binds
 * them to every registry),
 * the Redis binders are bound to the application's {@link MeterRegistry} as each {@link DiscoveredRedis}
 * is built, tagged {@code service} (the write service, from configuration) and {@code client}
 * ({@code template}, {@code reactive} or {@code string}).
 *
 * <p><b>Threading:</b> Spring calls it once at startup.
 */
@AutoConfiguration(after = WaymarkAutoConfiguration.class)
@ConditionalOnClass({MeterBinder.class, DiscoveryMeterBinder.class})
public class WaymarkMetricsAutoConfiguration {

    @Bean
    @ConditionalOnBean(ConsulDiscovery.class)
    @ConditionalOnMissingBean
    public DiscoveryMeterBinder waymarkDiscoveryMeterBinder(ConsulDiscovery discovery, WaymarkProperties properties) {
        List<String> names = new ArrayList<>();
        WaymarkProperties.Redis r = properties.getRedis();
        if (r.getWriteService() != null && !r.getWriteService().isBlank()) {
            names.add(r.getWriteService());
        }
        if (r.getReadService() != null && !r.getReadService().isBlank()) {
            names.add(r.getReadService());
        }
        return new DiscoveryMeterBinder(discovery, Tags.empty()).names(names);
    }

    @Bean
    @ConditionalOnBean(WaymarkRedisClients.class)
    @ConditionalOnMissingBean(name = "waymarkRedisMeters")
    public WaymarkRedisClients.Observer waymarkRedisMeters(ObjectProvider<MeterRegistry> registry,
            WaymarkProperties properties) {
        Tags service = Tags.of("service", String.valueOf(properties.getRedis().getWriteService()));
        return new WaymarkRedisClients.Observer() {
            private final Map<String, RedisMeterBinder> binders = new ConcurrentHashMap<>();

            @Override
            public RedisMetrics hooks(String name) {
                return binders.computeIfAbsent(name, n -> new RedisMeterBinder(service.and("client", n)));
            }

            @Override
            public void built(String name, DiscoveredRedis<?, ?> redis) {
                RedisMeterBinder binder = binders.computeIfAbsent(name,
                        n -> new RedisMeterBinder(service.and("client", n)));
                binder.stats(redis::stats);
                registry.ifAvailable(binder::bindTo);
            }
        };
    }

    /** {@code spring.datasource.url} is a {@code jdbc:consul:} URL: the meters of its primary service. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(JdbcStats.class)
    @Conditional(OnConsulJdbcUrl.class)
    public static class JdbcMetrics {

        @Bean
        @ConditionalOnMissingBean
        public JdbcMeterBinder waymarkJdbcMeterBinder(Environment environment) {
            return JdbcMeterBinder.forUrl(environment.getRequiredProperty("spring.datasource.url"), Tags.empty());
        }
    }
}
