package io.waymark.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.waymark.discovery.ConsulProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The configuration metadata IDEs complete from: every {@code waymark.redis.*} field (the processor's
 * work) and every Consul setting discovery-core takes (listed by hand in
 * {@code additional-spring-configuration-metadata.json}, checked here against {@link ConsulProperty}).
 */
class ConfigurationMetadataTest {

    /** This module's metadata (not one of Boot's jars'), as the processor wrote it. */
    static InputStream ownMetadata() throws IOException {
        String own = WaymarkProperties.class.getProtectionDomain().getCodeSource().getLocation().toString();
        for (URL u : Collections.list(WaymarkProperties.class.getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"))) {
            if (u.toString().startsWith(own) || u.toString().startsWith("jar:" + own)) {
                return u.openStream();
            }
        }
        throw new AssertionError("no META-INF/spring-configuration-metadata.json under " + own
                + ": the configuration processor did not run");
    }

    /** Each property's name and description, as the processor wrote them. */
    private static Map<String, String> metadata() throws IOException {
        try (InputStream in = ownMetadata()) {
            Map<String, String> out = new LinkedHashMap<>();
            for (JsonNode p : new ObjectMapper().readTree(in).path("properties")) {
                out.put(p.path("name").asText(), p.path("description").asText());
            }
            return out;
        }
    }

    @Test
    void everyConsulSettingOfDiscoveryCoreIsDescribedWithItsForm() throws IOException {
        Map<String, String> properties = metadata();
        for (ConsulProperty p : ConsulProperty.values()) {
            assertThat(properties.get("waymark.consul." + p.kebabKey())).as("description of " + p).isNotNull()
                    .contains(p.form());
        }
        assertThat(properties.keySet().stream().filter(n -> n.startsWith("waymark.consul.") && !n.equals("waymark.consul.agents")))
                .as("no Consul key discovery-core does not know")
                .allMatch(n -> ConsulProperty.find(n).isPresent());
    }

    @Test
    void theRedisAndHealthPropertiesAreThere() throws IOException {
        assertThat(metadata()).containsKeys("waymark.redis.write-service", "waymark.redis.read-service",
                "waymark.redis.password", "waymark.redis.read-policy", "waymark.redis.failover-budget",
                "waymark.redis.enabled", "waymark.health.max-staleness");
    }
}
