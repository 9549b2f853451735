package io.waymark.spring.boot;

import io.waymark.discovery.ConsulDiscovery;
import io.waymark.redis.DiscoveredRedis;
import io.waymark.spring.redis.DiscoveredRedisConnectionFactory;
import io.lettuce.core.codec.StringCodec;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Waymark's beans from {@code waymark.*}: a {@link ConsulDiscovery} when Consul or Redis is configured;
 * with {@code waymark.redis.*}, the {@link DiscoveredRedis} instances ({@link WaymarkRedisClients}), a
 * {@code DiscoveredRedis<String, String>} bean (built when first injected), and, with Spring Data Redis
 * on the class path, a {@link DiscoveredRedisConnectionFactory} as the application's
 * {@code RedisConnectionFactory} and {@code ReactiveRedisConnectionFactory}, so that Boot's own templates,
 * Spring Cache and Spring Session run on it (Spring Session with read policy master: see the README).
 * Runs before Boot's Redis auto-configuration (of either Boot line), whose connection factory then backs
 * off. Every bean backs off when the application defines one of its type.
 *
 * <p><b>Threading:</b> Spring calls it once at startup.
 */
@AutoConfiguration(beforeName = {"org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
        "org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration"})
@ConditionalOnClass(ConsulDiscovery.class)
@EnableConfigurationProperties(WaymarkProperties.class)
public class WaymarkAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @Conditional(OnWaymarkProperties.Discovery.class)
    public ConsulDiscovery waymarkConsulDiscovery(WaymarkProperties properties) {
        return WaymarkSettings.discovery(properties.getConsul());
    }

    /** The Redis part, with {@code waymark.redis.*}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(DiscoveredRedis.class)
    @Conditional(OnWaymarkProperties.Redis.class)
    public static class RedisConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        public WaymarkRedisClients waymarkRedisClients(WaymarkProperties properties, ConsulDiscovery discovery,
                ObjectProvider<WaymarkRedisClients.Observer> observer) {
            return new WaymarkRedisClients(properties.getRedis(), discovery, observer::getIfUnique);
        }

        /** Closed by {@link WaymarkRedisClients}, which built it. */
        @Bean(destroyMethod = "")
        @Lazy
        @ConditionalOnMissingBean(DiscoveredRedis.class)
        public DiscoveredRedis<String, String> discoveredRedis(WaymarkRedisClients clients) {
            return clients.redis(StringCodec.UTF8);
        }

        /** Spring Data Redis on the class path: the connection factories over DiscoveredRedis. */
        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(LettuceConnectionFactory.class)
        public static class ConnectionFactoryConfiguration {

            @Bean
            @ConditionalOnMissingBean(RedisConnectionFactory.class)
            public DiscoveredRedisConnectionFactory redisConnectionFactory(WaymarkRedisClients clients,
                    WaymarkProperties properties) {
                WaymarkProperties.Redis r = properties.getRedis();
                return new DiscoveredRedisConnectionFactory(clients,
                        new DiscoveredRedisConnectionFactory.NodeAccess(r.getUsername(), r.getPassword(), r.isSsl(),
                                r.isVerifyPeer(), r.getDatabase()),
                        WaymarkSettings.springTimeout(r));
            }
        }
    }
}
