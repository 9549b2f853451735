package io.waymark.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.DiscoveryStats;
import io.waymark.discovery.Endpoints;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters for a {@link ConsulDiscovery}, read from {@link ConsulDiscovery#stats()} at
 * each scrape (nothing is added to the discovery's own paths):
 *
 * <table>
 *   <caption>meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@code waymark.discovery.watched.names}</td><td>gauge</td><td></td><td>names kept current by a watch</td></tr>
 *   <tr><td>{@code waymark.discovery.requests}</td><td>counter</td><td></td><td>requests to Consul (HTTP or DNS)</td></tr>
 *   <tr><td>{@code waymark.discovery.errors}</td><td>counter</td><td>{@code kind}: timeout, connection,
 *       server_error, acl_denied, other</td><td>failed requests</td></tr>
 *   <tr><td>{@code waymark.discovery.blocking.queries}</td><td>counter</td><td></td><td>blocking-query round trips</td></tr>
 *   <tr><td>{@code waymark.discovery.changes}</td><td>counter</td><td></td><td>changes published to listeners</td></tr>
 *   <tr><td>{@code waymark.discovery.stale.age}</td><td>time gauge</td><td></td><td>age of the oldest answer
 *       served stale (0 when none is)</td></tr>
 *   <tr><td>{@code waymark.discovery.agent.rotations}</td><td>counter</td><td></td><td>moves to the next agent</td></tr>
 *   <tr><td>{@code waymark.discovery.acl.suspicions}</td><td>counter</td><td></td><td>empty answers kept back as a
 *       probable ACL problem</td></tr>
 *   <tr><td>{@code waymark.discovery.watches.evicted}</td><td>counter</td><td></td><td>idle watches stopped at the cap</td></tr>
 *   <tr><td>{@code waymark.discovery.uncached.lookups}</td><td>counter</td><td></td><td>lookups past the cap</td></tr>
 *   <tr><td>{@code waymark.discovery.endpoints}</td><td>gauge</td><td>{@code name}</td><td>healthy endpoints of a
 *       configured name</td></tr>
 *   <tr><td>{@code waymark.discovery.stale}</td><td>gauge</td><td>{@code name}</td><td>1 while that name is served
 *       stale, else 0</td></tr>
 * </table>
 *
 * <p>Tag values are bounded: {@code kind} is an enum, and {@code name} takes only the names given to
 * {@link #names} (configuration, not traffic), at most {@value #MAX_NAMES} of them. The per-name gauges
 * read the discovery's cache: a name not resolved yet reads NaN (the gauge starts the lookup in the
 * background; it never blocks a scrape).
 *
 * <pre>{@code
 * new DiscoveryMeterBinder(discovery, Tags.of("app", "shop"))
 *         .names(List.of("w-master-redis-8888.service.consul"))
 *         .bindTo(registry);
 * }</pre>
 *
 * <p><b>Threading:</b> configure on one thread before {@link #bindTo}; the meters may then be read
 * from any thread.
 */
public final class DiscoveryMeterBinder implements MeterBinder {

    /** The most names that get per-name gauges: each is a time series in every backend. */
    public static final int MAX_NAMES = 32;

    private final ConsulDiscovery discovery;
    private final Tags tags;
    private final Snapshot<DiscoveryStats> stats;
    private final Set<String> names = new LinkedHashSet<>();

    /** Meters for {@code discovery}, each with {@code tags} besides its own. */
    public DiscoveryMeterBinder(ConsulDiscovery discovery, Iterable<Tag> tags) {
        this.discovery = Objects.requireNonNull(discovery, "discovery");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
        this.stats = new Snapshot<>(discovery::stats, System::nanoTime);
    }

    /**
     * The Consul names that get {@code waymark.discovery.endpoints} and {@code waymark.discovery.stale}
     * gauges: names from the application's configuration (services it connects to), never names taken
     * from requests.
     *
     * @throws IllegalArgumentException beyond {@value #MAX_NAMES} distinct names, or for a blank name
     */
    public DiscoveryMeterBinder names(Iterable<String> configuredNames) {
        Objects.requireNonNull(configuredNames, "names");
        for (String n : configuredNames) {
            Objects.requireNonNull(n, "names element");
            if (n.isBlank()) {
                throw new IllegalArgumentException("names must not hold a blank name: '" + n + "'");
            }
            names.add(n.trim());
            if (names.size() > MAX_NAMES) {
                throw new IllegalArgumentException("names holds more than " + MAX_NAMES
                        + " names (each is a time series per gauge): " + names);
            }
        }
        return this;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("waymark.discovery.watched.names", this, self -> stats.get().watchedNames()).tags(tags)
                .description("Consul names kept current by a background watch").register(registry);
        counter(registry, "waymark.discovery.requests", "requests sent to Consul (HTTP or DNS)",
                DiscoveryStats::requests, tags);
        for (DiscoveryStats.ErrorKind kind : DiscoveryStats.ErrorKind.values()) {
            counter(registry, "waymark.discovery.errors", "requests to Consul that failed, by kind",
                    s -> s.errors(kind), tags.and("kind", kind.name().toLowerCase(Locale.ROOT)));
        }
        counter(registry, "waymark.discovery.blocking.queries", "blocking queries that came back",
                DiscoveryStats::blockingQueries, tags);
        counter(registry, "waymark.discovery.changes", "answers that changed a name's endpoints",
                DiscoveryStats::changesPublished, tags);
        counter(registry, "waymark.discovery.agent.rotations", "moves to the next agent after a failure",
                DiscoveryStats::agentRotations, tags);
        counter(registry, "waymark.discovery.acl.suspicions",
                "empty answers kept back because the ACL token may not read the service",
                DiscoveryStats::aclEmptySuspicions, tags);
        counter(registry, "waymark.discovery.watches.evicted", "idle watches stopped at the maxWatches cap",
                DiscoveryStats::watchesEvicted, tags);
        counter(registry, "waymark.discovery.uncached.lookups", "lookups answered uncached at the maxWatches cap",
                DiscoveryStats::uncachedLookups, tags);
        TimeGauge.builder("waymark.discovery.stale.age", this, TimeUnit.MILLISECONDS,
                self -> stats.get().oldestStale().toMillis()).tags(tags)
                .description("how long ago Consul last confirmed the oldest answer now served stale")
                .register(registry);
        for (String name : new ArrayList<>(names)) {
            Tags nameTags = tags.and("name", name);
            Gauge.builder("waymark.discovery.endpoints", this, self -> cached(name, e -> e.all().size()))
                    .tags(nameTags).description("healthy endpoints Consul lists for the name").register(registry);
            Gauge.builder("waymark.discovery.stale", this, self -> cached(name, e -> e.stale() ? 1 : 0))
                    .tags(nameTags).description("1 while the name's endpoints are served stale").register(registry);
        }
    }

    // Micrometer holds a meter's object weakly: each function reads this binder's fields, so that the
    // meters keep it alive when nothing else does (new DiscoveryMeterBinder(...).bindTo(registry))
    private void counter(MeterRegistry registry, String name, String description,
            ToDoubleFunction<DiscoveryStats> value, Tags meterTags) {
        FunctionCounter.builder(name, this, self -> value.applyAsDouble(stats.get())).tags(meterTags)
                .description(description).register(registry);
    }

    /** The name's cached endpoints, or NaN while nothing is known yet (the lookup then runs in the background). */
    private double cached(String name, ToDoubleFunction<Endpoints> value) {
        try {
            CompletableFuture<Endpoints> f = discovery.resolveAsync(name);
            Endpoints e = f.getNow(null);
            return e == null ? Double.NaN : value.applyAsDouble(e);
        } catch (RuntimeException e) {
            // closed, or the lookup failed: a gauge has no error to report, only no value
            return Double.NaN;
        }
    }

    /** The configured names, as given to {@link #names}. */
    List<String> names() {
        return List.copyOf(names);
    }
}
