package io.waymark.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.waymark.discovery.ConsulProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The configuration metadata IDEs complete from: every {@code waymark.redis.*} field (the processor's
 * work) and every Consul setting discovery-core takes (listed by hand in
 * {@code additional-spring-configuration-metadata.json}, checked here against {@link ConsulProperty}).
 */
class ConfigurationMetadataTest {

    /** Each property's name and description, as the processor wrote them. */
    private static Map<String, String> metadata() throws IOException {
        try (InputStream in = ConfigurationMetadataTest.class.getResourceAsStream(
                "/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("the processor's metadata on the class path").isNotNull();
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
