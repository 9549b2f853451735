package io.waymark.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.waymark.redis.DiscoveredRedis;
import io.waymark.redis.RedisMetrics;
import io.waymark.redis.RedisStats;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer meters for a {@link DiscoveredRedis}: gauges and counters read from
 * {@link DiscoveredRedis#stats()} at each scrape, and, when this binder is also handed to
 * {@link io.waymark.redis.DiscoveredRedisBuilder#metrics}, the events only the hooks see.
 *
 * <table>
 *   <caption>meters</caption>
 *   <tr><th>name</th><th>type</th><th>what</th></tr>
 *   <tr><td>{@code waymark.redis.masters}</td><td>gauge</td><td>masters taking writes now (standalone: 0 or 1)</td></tr>
 *   <tr><td>{@code waymark.redis.replicas}</td><td>gauge</td><td>replicas taking reads now</td></tr>
 *   <tr><td>{@code waymark.redis.failovers}</td><td>counter</td><td>failovers seen (a master replaced by another)</td></tr>
 *   <tr><td>{@code waymark.redis.retries}</td><td>counter</td><td>commands sent again because they certainly did not run</td></tr>
 *   <tr><td>{@code waymark.redis.outcome.unknown}</td><td>counter</td><td>commands failed with their outcome unknown
 *       (may have run, so not sent again)</td></tr>
 *   <tr><td>{@code waymark.redis.two.masters}</td><td>counter</td><td>episodes of two nodes answering master</td></tr>
 *   <tr><td>{@code waymark.redis.without.master}</td><td>time gauge</td><td>total time without a writable master,
 *       the current gap included (standalone)</td></tr>
 *   <tr><td>{@code waymark.redis.master.changes}</td><td>counter</td><td>master changes (hook)</td></tr>
 *   <tr><td>{@code waymark.redis.master.gap}</td><td>timer</td><td>each time without a writable master, recorded
 *       when a master is back (hook, standalone)</td></tr>
 * </table>
 *
 * <p>Every meter carries the binder's tags only (give it bounded ones, such as the write service's
 * name from the configuration); no tag comes from traffic.
 *
 * <pre>{@code
 * RedisMeterBinder meters = new RedisMeterBinder(Tags.of("service", "w-master-redis-8888"));
 * DiscoveredRedis<String, String> redis = DiscoveredRedis.builder()...metrics(meters).build();
 * meters.stats(redis::stats).bindTo(registry);
 * }</pre>
 *
 * <p><b>Threading:</b> the hooks are thread-safe and never block (they add to counters, or record
 * to a timer once bound); configure and bind on one thread.
 */
public final class RedisMeterBinder implements MeterBinder, RedisMetrics {

    private final Tags tags;
    private final LongAdder masterChanges = new LongAdder();
    private volatile @Nullable Snapshot<RedisStats> stats;
    private volatile @Nullable Timer gap;

    /** Meters with {@code tags} besides their own; {@link #stats} says where the gauges read from. */
    public RedisMeterBinder(Iterable<Tag> tags) {
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    /** Meters for {@code redis} (its stats); the hooks count only if this binder is also its {@code metrics}. */
    public RedisMeterBinder(DiscoveredRedis<?, ?> redis, Iterable<Tag> tags) {
        this(tags);
        stats(Objects.requireNonNull(redis, "redis")::stats);
    }

    /**
     * Where the gauges and counters read from, for a binder made before its {@link DiscoveredRedis}
     * (to be handed to the builder as metrics hooks). Until set, those meters read NaN.
     */
    public RedisMeterBinder stats(Supplier<RedisStats> source) {
        this.stats = new Snapshot<>(Objects.requireNonNull(source, "stats"), System::nanoTime);
        return this;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        gauge(registry, "waymark.redis.masters", "masters taking writes now", s -> s.masters().size());
        gauge(registry, "waymark.redis.replicas", "replicas taking reads now", s -> s.replicas().size());
        counter(registry, "waymark.redis.failovers", "failovers seen: a master replaced by another",
                RedisStats::failoversSeen);
        counter(registry, "waymark.redis.retries", "commands sent again because they certainly did not run",
                RedisStats::writeRetries);
        counter(registry, "waymark.redis.outcome.unknown",
                "commands failed with their outcome unknown (may have run, so not sent again)",
                RedisStats::outcomeUnknownFailures);
        counter(registry, "waymark.redis.two.masters", "episodes of several nodes answering ROLE master",
                RedisStats::twoMastersEpisodes);
        TimeGauge.builder("waymark.redis.without.master", this, TimeUnit.MILLISECONDS,
                self -> read(s -> s.timeWithoutWritableMaster().toMillis())).tags(tags)
                .description("total time without a writable master, the current gap included").register(registry);
        FunctionCounter.builder("waymark.redis.master.changes", this, self -> masterChanges.sum()).tags(tags)
                .description("master changes reported by the connector").register(registry);
        gap = Timer.builder("waymark.redis.master.gap").tags(tags)
                .description("each time without a writable master, recorded when a master is back")
                .register(registry);
    }

    // Micrometer holds a meter's object weakly: each function calls read() on this binder, so that the
    // meters keep it alive when nothing else does (new RedisMeterBinder(...).bindTo(registry))
    private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<RedisStats> f) {
        Gauge.builder(name, this, self -> read(f)).tags(tags).description(description).register(registry);
    }

    private void counter(MeterRegistry registry, String name, String description, ToDoubleFunction<RedisStats> f) {
        FunctionCounter.builder(name, this, self -> read(f)).tags(tags).description(description).register(registry);
    }

    private double read(ToDoubleFunction<RedisStats> f) {
        Snapshot<RedisStats> s = stats;
        return s == null ? Double.NaN : f.applyAsDouble(s.get());
    }

    @Override
    public void masterChanged(String from, String to) {
        masterChanges.increment();
    }

    @Override
    public void writableMasterRestored(Duration withoutMaster) {
        Timer t = gap;
        if (t != null) {
            t.record(withoutMaster);
        }
    }
}
