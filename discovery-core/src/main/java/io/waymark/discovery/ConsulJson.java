package io.waymark.discovery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the few Consul answers discovery needs: service health entries
 * ({@code /v1/health/service/:name}), prepared query results and ACL authorizations.
 * Only the fields used are read; anything else Consul adds is ignored.
 *
 * <p>Threading: stateless, thread-safe.
 */
final class ConsulJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ConsulJson() {
    }

    /** An answer that is not what Consul sends; the message says what was expected, never the body. */
    static final class BadAnswerException extends IOException {
        private static final long serialVersionUID = 1L;

        BadAnswerException(String message) {
            super(message);
        }
    }

    /**
     * The entries of a health answer.
     *
     * @param dropCritical leave out instances with a critical check (health answers without
     *     {@code ?passing}, when warnings are wanted but critical instances are not)
     */
    static List<Endpoint> health(String body, boolean dropCritical) throws IOException {
        return entries(read(body), "a health answer", dropCritical);
    }

    /** The entries of a prepared query execution ({@code {"Nodes": [...]}}); Consul leaves out critical ones. */
    static List<Endpoint> preparedQuery(String body) throws IOException {
        JsonNode root = read(body);
        if (!root.isObject()) {
            throw new BadAnswerException("a prepared query answer is not a JSON object");
        }
        return entries(root.path("Nodes"), "the Nodes of a prepared query answer", false);
    }

    /**
     * The {@code Allow} of the first entry of a {@code /v1/internal/acl/authorize} answer.
     */
    static boolean allowed(String body) throws IOException {
        JsonNode first = read(body).path(0);
        JsonNode allow = first.get("Allow");
        if (allow == null || !allow.isBoolean()) {
            throw new BadAnswerException("an ACL authorization answer has no Allow field");
        }
        return allow.booleanValue();
    }

    private static JsonNode read(String body) throws BadAnswerException {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BadAnswerException("Consul's answer is not JSON (" + e.getOriginalMessage() + ")");
        }
    }

    private static List<Endpoint> entries(JsonNode array, String what, boolean dropCritical)
            throws BadAnswerException {
        if (array.isNull() || array.isMissingNode()) {
            return List.of();
        }
        if (!array.isArray()) {
            throw new BadAnswerException(what + " is not a JSON array");
        }
        List<Endpoint> out = new ArrayList<>(array.size());
        for (JsonNode entry : array) {
            Endpoint.Health health = health(entry.path("Checks"));
            if (dropCritical && health == Endpoint.Health.CRITICAL) {
                continue;
            }
            JsonNode service = entry.path("Service");
            JsonNode node = entry.path("Node");
            String address = service.path("Address").asText("");
            if (address.isEmpty()) {
                // Consul's rule: a service without its own address lives at its node's
                address = node.path("Address").asText("");
            }
            if (address.isEmpty()) {
                throw new BadAnswerException(what + " has an instance without an address");
            }
            out.add(Endpoint.of(address, service.path("Port").asInt(0), node.path("Node").asText(""),
                    strings(service.path("Tags")), map(service.path("Meta"))).withHealth(health));
        }
        return out;
    }

    /** The worst status of the checks; no checks is passing, as Consul counts them. */
    static Endpoint.Health health(JsonNode checks) {
        Endpoint.Health worst = Endpoint.Health.PASSING;
        for (JsonNode c : checks) {
            String status = c.path("Status").asText("");
            if ("critical".equals(status) || "maintenance".equals(status)) {
                return Endpoint.Health.CRITICAL;
            }
            if ("warning".equals(status)) {
                worst = Endpoint.Health.WARNING;
            }
        }
        return worst;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) {
            out.add(n.asText());
        }
        return out;
    }

    private static Map<String, String> map(JsonNode object) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : object.properties()) {
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }
}
