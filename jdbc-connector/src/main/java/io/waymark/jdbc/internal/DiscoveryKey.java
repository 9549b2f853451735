package io.waymark.jdbc.internal;

import io.waymark.discovery.ConsulDiscoveryBuilder;
import io.waymark.discovery.ConsulProperty;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Everything that makes two discovery clients different: every discovery setting a URL (or its
 * properties) gives, as text, and the Consul environment variables they were resolved against.
 * URLs with equal keys share one {@link io.waymark.discovery.ConsulDiscovery}, which is built
 * from nothing else ({@link #configure}); files (PEM, token file) count by their path.
 *
 * <p>Secret values (the token, key store passwords, {@code CONSUL_HTTP_TOKEN}) take part in
 * {@link #equals} (two tokens are two clients) but never in {@link #toString()}.
 *
 * <p><b>Threading:</b> immutable.
 */
public final class DiscoveryKey {

    private static final String HTTP_TOKEN = ConsulProperty.TOKEN.environmentVariable().orElseThrow();
    private static final String HTTP_ADDR = ConsulProperty.AGENT.environmentVariable().orElseThrow();

    private final Map<ConsulProperty, String> settings;
    private final Map<String, String> environment;

    /**
     * @param settings the discovery settings given, as text discovery's parser takes
     * @param environment Consul's environment variables that are set (see {@link #environment(Function)})
     */
    DiscoveryKey(Map<ConsulProperty, String> settings, Map<String, String> environment) {
        EnumMap<ConsulProperty, String> s = new EnumMap<>(ConsulProperty.class);
        s.putAll(settings);
        this.settings = Collections.unmodifiableMap(s);
        this.environment = Collections.unmodifiableMap(new TreeMap<>(environment));
    }

    /** The Consul environment variables discovery reads that {@code env} sets (an empty one is unset, as there). */
    static Map<String, String> environment(Function<String, String> env) {
        Map<String, String> set = new TreeMap<>();
        for (ConsulProperty p : ConsulProperty.values()) {
            p.environmentVariable().ifPresent(name -> {
                String value = env.apply(name);
                if (value != null && !value.isEmpty()) {
                    set.put(name, value);
                }
            });
        }
        return set;
    }

    /** The discovery settings given, as text. */
    public Map<ConsulProperty, String> settings() {
        return settings;
    }

    /** The Consul environment variables the client reads instead of the process's. */
    public Map<String, String> environment() {
        return environment;
    }

    /**
     * The ACL token given as text ({@code consul.token}, else {@code CONSUL_HTTP_TOKEN}), or null:
     * what messages of other code are searched for and masked. Never put it in a message.
     */
    public String token() {
        String token = settings.get(ConsulProperty.TOKEN);
        return token != null ? token : environment.get(HTTP_TOKEN);
    }

    /** Where the agents come from, for messages: the setting, else the variable, else discovery's default. */
    public String agents() {
        String agents = settings.get(ConsulProperty.AGENT);
        if (agents != null) {
            return agents;
        }
        String fromEnvironment = environment.get(HTTP_ADDR);
        return fromEnvironment != null ? HTTP_ADDR + "=" + fromEnvironment : "the default, 127.0.0.1:8500";
    }

    /** {@code b} with these settings and this environment, through discovery's one parser. */
    ConsulDiscoveryBuilder configure(ConsulDiscoveryBuilder b) {
        b.environment(environment);
        settings.forEach((p, value) -> b.property(name(p), value));
        return b;
    }

    /** The URL's name of a setting, {@code consul.<key>}: what discovery's messages then name. */
    static String name(ConsulProperty p) {
        return new ConsulParameters.Discovery(p).name();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DiscoveryKey k && settings.equals(k.settings) && environment.equals(k.environment);
    }

    @Override
    public int hashCode() {
        return Objects.hash(settings, environment);
    }

    /** The settings and variables, secrets masked. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        settings.forEach((p, v) -> parts.add(name(p) + "=" + (p.secret() ? Secrets.MASK : v)));
        environment.forEach((name, v) -> parts.add(name + "=" + (secretVariable(name) ? Secrets.MASK : v)));
        return parts.isEmpty() ? "Consul's defaults" : String.join(", ", parts);
    }

    private static boolean secretVariable(String name) {
        for (ConsulProperty p : ConsulProperty.values()) {
            if (p.secret() && p.environmentVariable().map(name::equals).orElse(false)) {
                return true;
            }
        }
        return false;
    }
}
