package io.waymark.spring.boot;

import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.DiscoveryStats;
import io.waymark.redis.DiscoveredRedis;
import io.waymark.redis.RedisStats;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What the {@code waymark-discovery} and {@code waymark-redis} health indicators report, computed the same
 * way for both Boot lines (whose health types differ).
 *
 * <ul>
 *   <li>discovery: DOWN when an answer has been served stale for longer than
 *       {@code waymark.health.max-staleness} (Consul unreachable or refusing); details: the counters.</li>
 *   <li>redis: DOWN while an instance knows no writable master (in standalone mode, one that answered
 *       {@code ROLE} master at the last probe); details per instance: mode, masters, replicas, failovers,
 *       outcome-unknown failures.</li>
 * </ul>
 *
 * <p><b>Threading:</b> stateless; reads snapshots.
 */
final class WaymarkHealth {

    /** A status and its details. */
    record Report(boolean up, Map<String, Object> details) {
    }

    private WaymarkHealth() {
    }

    static Report discovery(ConsulDiscovery discovery, Duration maxStaleness) {
        DiscoveryStats s = discovery.stats();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("watchedNames", s.watchedNames());
        d.put("oldestStale", s.oldestStale().toString());
        d.put("requests", s.requests());
        d.put("errors", s.errors());
        for (DiscoveryStats.ErrorKind k : DiscoveryStats.ErrorKind.values()) {
            d.put("errors." + k.name().toLowerCase(Locale.ROOT), s.errors(k));
        }
        d.put("agentRotations", s.agentRotations());
        boolean up = s.oldestStale().compareTo(maxStaleness) <= 0;
        if (!up) {
            d.put("reason", "an answer has been served stale for " + s.oldestStale() + ", more than " + maxStaleness
                    + ": Consul is unreachable or refuses the token");
        }
        return new Report(up, d);
    }

    static Report redis(Map<String, DiscoveredRedis<?, ?>> instances) {
        Map<String, Object> d = new LinkedHashMap<>();
        boolean up = true;
        for (Map.Entry<String, DiscoveredRedis<?, ?>> e : instances.entrySet()) {
            RedisStats s = e.getValue().stats();
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("mode", s.mode().name().toLowerCase(Locale.ROOT));
            one.put("masters", s.masters());
            one.put("replicas", s.replicas());
            one.put("failovers", s.failoversSeen());
            one.put("retries", s.writeRetries());
            one.put("outcomeUnknown", s.outcomeUnknownFailures());
            one.put("timeWithoutMaster", s.timeWithoutWritableMaster().toString());
            if (s.masters().isEmpty()) {
                up = false;
                one.put("reason", "no writable master known");
            }
            d.put(e.getKey(), one);
        }
        return new Report(up, d);
    }
}
