package io.waymark.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's properties table lists every property of the configuration metadata. */
class ReadmeTest {

    @Test
    void everyPropertyOfTheMetadataIsInTheReadmeTable() throws IOException {
        // both starter modules sit beside each other; the README is the Boot 4 one's
        Path readme = Path.of(System.getProperty("user.dir")).resolve("../spring-boot-starter/README.md").normalize();
        String text = Files.readString(readme);
        try (InputStream in = ConfigurationMetadataTest.ownMetadata()) {
            for (JsonNode p : new ObjectMapper().readTree(in).path("properties")) {
                assertThat(text).as("README row of " + p.path("name").asText())
                        .contains("| `" + p.path("name").asText() + "` |");
            }
        }
    }
}
