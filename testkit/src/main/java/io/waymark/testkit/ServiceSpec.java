package io.waymark.testkit;

import io.waymark.testkit.internal.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A Consul service registration with its checks, as sent to {@code /v1/agent/service/register}.
 * Immutable.
 *
 * <pre>{@code
 * ServiceSpec.builder("web").id("web-1").address("127.0.0.5").port(8080).tags("a", "b")
 *     .tcpCheck(Duration.ofSeconds(1), "127.0.0.5:8080").build();
 * }</pre>
 *
 * <p>Threading: immutable; its builder is not thread-safe.
 */
public final class ServiceSpec {

    private final String name;
    private final String id;
    private final String address;
    private final int port;
    private final List<String> tags;
    private final Map<String, String> meta;
    private final List<Map<String, Object>> checks;
    private final Set<String> tools;

    private ServiceSpec(Builder b) {
        this.tools = Set.copyOf(b.tools);
        this.name = b.name;
        this.id = b.id == null ? b.name : b.id;
        this.address = b.address;
        this.port = b.port;
        this.tags = List.copyOf(b.tags);
        this.meta = Collections.unmodifiableMap(new LinkedHashMap<>(b.meta));
        List<Map<String, Object>> cs = new ArrayList<>();
        for (Map<String, Object> c : b.checks) {
            cs.add(Collections.unmodifiableMap(new LinkedHashMap<>(c)));
        }
        this.checks = List.copyOf(cs);
    }

    /** A builder for service {@code name}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    /** The service id; the name when none was given. */
    public String id() {
        return id;
    }

    /** The advertised address, or null (Consul then uses the agent's). */
    public String address() {
        return address;
    }

    /** The port, 0 when none. */
    public int port() {
        return port;
    }

    public List<String> tags() {
        return tags;
    }

    public Map<String, String> meta() {
        return meta;
    }

    /** The registration body for Consul's agent API. */
    String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", id);
        m.put("Name", name);
        if (!tags.isEmpty()) {
            m.put("Tags", tags);
        }
        if (address != null) {
            m.put("Address", address);
        }
        if (port > 0) {
            m.put("Port", port);
        }
        if (!meta.isEmpty()) {
            m.put("Meta", meta);
        }
        if (!checks.isEmpty()) {
            m.put("Checks", checks);
        }
        return Json.write(m);
    }

    boolean hasScriptCheck() {
        return checks.stream().anyMatch(c -> c.containsKey("Args"));
    }

    /** Binaries its check scripts run, which must be next to the agent (e.g. "redis-cli"). */
    Set<String> tools() {
        return tools;
    }

    /** The dirs of its check scripts: a container agent mounts them. */
    Set<Path> scriptDirs() {
        Set<Path> dirs = new LinkedHashSet<>();
        for (Map<String, Object> c : checks) {
            if (c.get("Args") instanceof List<?> args && !args.isEmpty()) {
                Path script = Path.of(String.valueOf(args.get(0)));
                if (script.isAbsolute() && script.getParent() != null) {
                    dirs.add(script.getParent());
                }
            }
        }
        return dirs;
    }

    @Override
    public String toString() {
        // check arguments may carry passwords: only their kinds are shown
        List<String> kinds = new ArrayList<>();
        for (Map<String, Object> c : checks) {
            kinds.add(c.containsKey("Args") ? "script" : c.containsKey("TCP") ? "tcp"
                    : c.containsKey("HTTP") ? "http" : "ttl");
        }
        return "ServiceSpec[" + id + " " + name + " " + (address == null ? "" : address) + ":" + port
                + " tags=" + tags + " checks=" + kinds + "]";
    }

    /** Builds a {@link ServiceSpec}; not thread-safe. */
    public static final class Builder {
        private final String name;
        private String id;
        private String address;
        private int port;
        private final List<String> tags = new ArrayList<>();
        private final Map<String, String> meta = new LinkedHashMap<>();
        private final List<Map<String, Object>> checks = new ArrayList<>();
        private final Set<String> tools = new LinkedHashSet<>();

        private Builder(String name) {
            this.name = Checks.notBlank("name", name);
        }

        public Builder id(String id) {
            this.id = Checks.notBlank("id", id);
            return this;
        }

        public Builder address(String address) {
            this.address = Objects.requireNonNull(address, "address");
            return this;
        }

        public Builder port(int port) {
            this.port = Checks.inRange("port", port, 1, 65535);
            return this;
        }

        public Builder tags(String... tags) {
            this.tags.addAll(Arrays.asList(tags));
            return this;
        }

        public Builder meta(String key, String value) {
            meta.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * A script check: passing on exit 0, warning on 1, critical otherwise. The agent needs script
         * checks enabled, which {@link ConsulCluster} does for every agent. Timeout: the interval,
         * at least 2 s.
         */
        public Builder scriptCheck(Duration interval, String script, String... args) {
            Map<String, Object> c = check(interval);
            List<String> argv = new ArrayList<>();
            argv.add(Objects.requireNonNull(script, "script"));
            argv.addAll(Arrays.asList(args));
            c.put("Args", argv);
            return addTimed(c, interval);
        }

        /** A TCP connect check on {@code hostPort}. */
        public Builder tcpCheck(Duration interval, String hostPort) {
            Map<String, Object> c = check(interval);
            c.put("TCP", Objects.requireNonNull(hostPort, "hostPort"));
            return addTimed(c, interval);
        }

        /** An HTTP check: 2xx passing, 429 warning, otherwise critical. */
        public Builder httpCheck(Duration interval, String url) {
            Map<String, Object> c = check(interval);
            c.put("HTTP", Objects.requireNonNull(url, "url"));
            return addTimed(c, interval);
        }

        /** A TTL check with id {@code checkId}, updated through {@link ConsulAgent#updateTtl}. */
        public Builder ttlCheck(Duration ttl, String checkId) {
            Checks.positive("ttl", ttl);
            Checks.notBlank("checkId", checkId);
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("CheckID", checkId);
            c.put("Name", checkId);
            c.put("TTL", go(ttl));
            checks.add(c);
            return this;
        }

        /** Its check scripts run {@code tool}, which must be next to the agent. */
        Builder requires(String tool) {
            tools.add(Checks.notBlank("tool", tool));
            return this;
        }

        public ServiceSpec build() {
            return new ServiceSpec(this);
        }

        private Map<String, Object> check(Duration interval) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("Interval", go(Checks.positive("interval", interval)));
            return c;
        }

        /** Adds check {@code c} with its timeout. */
        private Builder addTimed(Map<String, Object> c, Duration interval) {
            c.put("Timeout", go(timeout(interval)));
            checks.add(c);
            return this;
        }

        /** The interval, but at least 2 s: a loaded CI machine must not make a check flap. */
        private static Duration timeout(Duration interval) {
            Duration floor = Duration.ofSeconds(2);
            return interval.compareTo(floor) < 0 ? floor : interval;
        }

        private static String go(Duration d) {
            return d.toMillis() + "ms";
        }
    }
}
