package io.waymark.spring.boot;

import io.waymark.jdbc.ConsulDriver;
import java.util.Locale;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when {@code spring.datasource.url} is a {@code jdbc:consul:} URL; and what both Boot lines'
 * JDBC configurations share about it.
 */
final class OnConsulJdbcUrl extends SpringBootCondition {

    static final String PREFIX = "jdbc:consul:";

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        String url = context.getEnvironment().getProperty("spring.datasource.url");
        if (url != null && url.trim().toLowerCase(Locale.ROOT).startsWith(PREFIX)) {
            return ConditionOutcome.match("spring.datasource.url is a " + PREFIX + " URL");
        }
        return ConditionOutcome.noMatch("spring.datasource.url is no " + PREFIX + " URL");
    }

    /** The driver set in {@code spring.datasource.driver-class-name}, else {@link ConsulDriver}. */
    static String driverClassName(String configured) {
        return configured != null && !configured.isBlank() ? configured : ConsulDriver.class.getName();
    }

    /** The URL up to its parameters, which may hold a password or a token. */
    static String withoutSecrets(String url) {
        int q = url == null ? -1 : url.indexOf('?');
        return q < 0 ? String.valueOf(url) : url.substring(0, q) + "?...";
    }
}
