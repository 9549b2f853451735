package io.waymark.spring.boot;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when the application configures Waymark: some property under one of the prefixes is set
 * (in any form: {@code waymark.redis.write-service}, {@code WAYMARK_REDIS_WRITESERVICE}...). The
 * beans of an unconfigured part are not created, so that adding the starter alone connects nowhere.
 */
abstract class OnWaymarkProperties extends SpringBootCondition {

    private final String[] prefixes;

    OnWaymarkProperties(String... prefixes) {
        this.prefixes = prefixes;
    }

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        for (String prefix : prefixes) {
            ConfigurationPropertyName name = ConfigurationPropertyName.of(prefix);
            for (ConfigurationPropertySource source : ConfigurationPropertySources.get(context.getEnvironment())) {
                if (source instanceof IterableConfigurationPropertySource it
                        && it.stream().anyMatch(name::isAncestorOf)) {
                    return ConditionOutcome.match("a " + prefix + ".* property is set");
                }
            }
        }
        return ConditionOutcome.noMatch("no " + String.join(".* or ", prefixes) + ".* property is set");
    }

    /** Consul or Redis is configured. */
    static final class Discovery extends OnWaymarkProperties {
        Discovery() {
            super("waymark.consul", "waymark.redis");
        }
    }

    /** Redis is configured, and not switched off with {@code waymark.redis.enabled=false}. */
    static final class Redis extends OnWaymarkProperties {
        Redis() {
            super("waymark.redis");
        }

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            if ("false".equalsIgnoreCase(context.getEnvironment().getProperty("waymark.redis.enabled", "true").trim())) {
                return ConditionOutcome.noMatch("waymark.redis.enabled is false");
            }
            return super.getMatchOutcome(context, metadata);
        }
    }
}
