package io.waymark.spring.boot;

import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.ApplicationContext;

/** What differs between the Boot lines for the shared tests (waymark-spring-boot3-starter maps the packages). */
final class BootLine {

    private BootLine() {
    }

    /** Boot's own Redis auto-configurations, which must back off before Waymark's factory. */
    static AutoConfigurations redis() {
        return AutoConfigurations.of(DataRedisAutoConfiguration.class, DataRedisReactiveAutoConfiguration.class);
    }

    /** Boot's DataSource auto-configuration. */
    static AutoConfigurations dataSource() {
        return AutoConfigurations.of(DataSourceAutoConfiguration.class);
    }

    static Class<?> jdbcConnectionDetails() {
        return JdbcConnectionDetails.class;
    }

    /** A health indicator's answer. */
    record HealthView(String status, Map<String, Object> details) {
    }

    static HealthView health(ApplicationContext context, String indicator) {
        Health h = context.getBean(indicator, HealthIndicator.class).health();
        return new HealthView(h.getStatus().getCode(), h.getDetails());
    }

    static Class<?> healthIndicatorType() {
        return HealthIndicator.class;
    }

    /** An indicator of the application's own, always UP. */
    static Object upIndicator() {
        return (HealthIndicator) () -> Health.up().build();
    }
}
