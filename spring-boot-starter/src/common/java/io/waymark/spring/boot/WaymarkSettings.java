package io.waymark.spring.boot;

import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.ConsulDiscoveryBuilder;
import io.waymark.discovery.ConsulProperty;
import io.waymark.redis.DiscoveredRedis;
import io.waymark.redis.DiscoveredRedisBuilder;
import io.waymark.redis.ReadPolicy;
import io.waymark.redis.RedisMetrics;
import io.waymark.redis.TopologyMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the {@code waymark.*} properties into the builders' settings, through the builders' own
 * checks: a value a builder refuses becomes an {@link InvalidWaymarkPropertyException} naming the
 * property (as configuration files write it) and the builder's reason. Secrets never reach a message.
 *
 * <p><b>Threading:</b> stateless.
 */
final class WaymarkSettings {

    /** DiscoveredRedisBuilder's defaults, for the time Spring waits on a routed command. */
    private static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration DEFAULT_FAILOVER_BUDGET = Duration.ofSeconds(2);

    private WaymarkSettings() {
    }

    /** Applies {@code value} with {@code setter}, naming {@code property} when the setter refuses it. */
    static <T> void apply(String property, T value, boolean secret, Consumer<T> setter) {
        if (value == null) {
            return;
        }
        try {
            setter.accept(value);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidWaymarkPropertyException(property, secret ? null : String.valueOf(value),
                    secret ? "refused (the value is not shown)" : String.valueOf(e.getMessage()), e);
        }
    }

    /**
     * A discovery client from {@code waymark.consul.*}: each key goes to
     * {@link ConsulDiscoveryBuilder#property} with its Spring name, so that its errors name the property
     * as the application wrote it. List elements ({@code agents[0]}, {@code agents[1]}) are joined with
     * commas in their order.
     */
    static ConsulDiscovery discovery(Map<String, String> consul) {
        ConsulDiscoveryBuilder b = ConsulDiscovery.builder();
        for (Map.Entry<String, String> e : joinLists(consul).entrySet()) {
            String key = e.getKey();
            String name = "waymark.consul." + ALIASES.getOrDefault(key, key);
            boolean secret = ConsulProperty.find(name).map(ConsulProperty::secret).orElse(false);
            apply(name, e.getValue(), secret, v -> b.property(name, v));
        }
        try {
            return b.build();
        } catch (IllegalStateException e) {
            throw new InvalidWaymarkPropertyException("waymark.consul", null, e.getMessage(), e);
        }
    }

    /** The plural forms the issue and most configuration files write. */
    private static final Map<String, String> ALIASES = Map.of("agents", "agent", "dns-agents", "dns-agent");

    /** A list element as Boot binds it into a map ({@code agents.0}) or as written ({@code agents[0]}). */
    private static final Pattern INDEXED = Pattern.compile("(.+?)(?:\\[(\\d+)]|\\.(\\d+))");

    private static Map<String, String> joinLists(Map<String, String> consul) {
        Map<String, TreeMap<Integer, String>> lists = new LinkedHashMap<>();
        Map<String, String> out = new LinkedHashMap<>();
        consul.forEach((k, v) -> {
            Matcher m = INDEXED.matcher(k);
            if (m.matches()) {
                int index = Integer.parseInt(m.group(2) != null ? m.group(2) : m.group(3));
                lists.computeIfAbsent(m.group(1), x -> new TreeMap<>()).put(index, v);
            } else {
                out.put(k, v);
            }
        });
        lists.forEach((k, v) -> out.put(k, String.join(",", v.values())));
        return out;
    }

    /** The constant of {@code type} named {@code value} in any case; else the message lists the names. */
    private static <E extends Enum<E>> E constant(Class<E> type, String setting, String value) {
        String n = value.trim().toUpperCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(n)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        throw new IllegalArgumentException(setting + " must be one of " + names + ": '" + value + "'");
    }

    /** Checks what must be there before anything connects. */
    static void check(WaymarkProperties.Redis r) {
        if (r.getWriteService() == null || r.getWriteService().isBlank()) {
            throw new InvalidWaymarkPropertyException("waymark.redis.write-service", null,
                    "required: the Consul name of the Redis masters, e.g. w-master-redis-8888.service.consul", null);
        }
        // parse what the builder would parse later, so that startup fails before any connection is made
        builder(r, StringCodec.UTF8, null, RedisMetrics.NONE);
    }

    /** A builder with every {@code waymark.redis.*} setting and the shared discovery. */
    static <K, V> DiscoveredRedisBuilder<K, V> builder(WaymarkProperties.Redis r, RedisCodec<K, V> codec,
            ConsulDiscovery discovery, RedisMetrics metrics) {
        DiscoveredRedisBuilder<K, V> b = DiscoveredRedis.builder(codec);
        if (discovery != null) {
            b.discovery(discovery);
        }
        apply("waymark.redis.write-service", r.getWriteService(), false, b::writeService);
        apply("waymark.redis.read-service", blankToNull(r.getReadService()), false, b::readService);
        apply("waymark.redis.username", blankToNull(r.getUsername()), false, b::username);
        apply("waymark.redis.password", r.getPassword(), true, b::password);
        apply("waymark.redis.read-policy", blankToNull(r.getReadPolicy()), false, p -> b.readFrom(ReadPolicy.parse(p)));
        apply("waymark.redis.failover-budget", r.getFailoverBudget(), false, b::failoverBudget);
        apply("waymark.redis.command-timeout", r.getCommandTimeout(), false, b::commandTimeout);
        apply("waymark.redis.connect-timeout", r.getConnectTimeout(), false, b::connectTimeout);
        apply("waymark.redis.health-check-interval", r.getHealthCheckInterval(), false, b::healthCheckInterval);
        apply("waymark.redis.topology", r.getTopology(), false,
                t -> b.topology(constant(TopologyMode.class, "topology", t)));
        apply("waymark.redis.database", r.getDatabase() == 0 ? null : r.getDatabase(), false, b::database);
        apply("waymark.redis.client-name", blankToNull(r.getClientName()), false, b::clientName);
        if (r.isSsl()) {
            b.ssl(true, r.isVerifyPeer());
        }
        b.metrics(metrics);
        return b;
    }

    /**
     * How long Spring waits for a routed command: two command timeouts (a write and its retry) plus the
     * failover budget and a second, so that Spring never cancels a command the connector is still retrying.
     */
    static Duration springTimeout(WaymarkProperties.Redis r) {
        Duration command = r.getCommandTimeout() != null ? r.getCommandTimeout() : DEFAULT_COMMAND_TIMEOUT;
        Duration budget = r.getFailoverBudget() != null ? r.getFailoverBudget() : DEFAULT_FAILOVER_BUDGET;
        return command.multipliedBy(2).plus(budget).plusSeconds(1);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
