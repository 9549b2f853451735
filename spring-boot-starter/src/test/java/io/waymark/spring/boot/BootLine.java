package io.waymark.spring.boot;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;

/** What differs between the Boot lines for the shared tests: Boot 4's auto-configuration classes. */
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
}
