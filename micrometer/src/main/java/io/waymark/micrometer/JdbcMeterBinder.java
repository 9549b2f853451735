package io.waymark.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.waymark.jdbc.ConsulDriver;
import io.waymark.jdbc.JdbcStats;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer counters for the {@code jdbc:consul:} connections of one primary service, read from
 * {@link JdbcStats} at each scrape (nothing is added to a statement's path):
 *
 * <table>
 *   <caption>meters</caption>
 *   <tr><th>name</th><th>what</th></tr>
 *   <tr><td>{@code waymark.jdbc.failovers}</td><td>a connection verified a primary on another server</td></tr>
 *   <tr><td>{@code waymark.jdbc.statements.rerun}</td><td>statements a demoted primary refused (so did not run)
 *       that ran again on the new one</td></tr>
 *   <tr><td>{@code waymark.jdbc.probes}</td><td>servers asked {@code @@read_only} directly during failovers</td></tr>
 *   <tr><td>{@code waymark.jdbc.connections.invalidated}</td><td>connections that turned invalid (pools evict them)</td></tr>
 *   <tr><td>{@code waymark.jdbc.connections.cut.off}</td><td>connections to a primary that stopped answering,
 *       closed once another server answered writable</td></tr>
 *   <tr><td>{@code waymark.jdbc.split.brains}</td><td>episodes of two servers answering {@code @@read_only = 0}</td></tr>
 * </table>
 *
 * <p>Every meter carries the binder's tags only. While the stats cannot be read (a URL that is not a
 * valid {@code jdbc:consul:} one), the meters read NaN.
 *
 * <pre>{@code
 * JdbcMeterBinder.forUrl("jdbc:consul:mariadb://w-master-mysql-3306.service.consul/shop?...", Tags.empty())
 *         .bindTo(registry);
 * new JdbcMeterBinder(consulDataSource::stats, Tags.of("pool", "orders")).bindTo(registry);
 * }</pre>
 *
 * <p><b>Threading:</b> the meters may be read from any thread.
 */
public final class JdbcMeterBinder implements MeterBinder {

    /** Where the stats come from: {@code ConsulDataSource::stats}, or {@link ConsulDriver#stats} of a URL. */
    @FunctionalInterface
    public interface StatsSource {
        JdbcStats get() throws SQLException;
    }

    private final Snapshot<Optional<JdbcStats>> stats;
    private final Tags tags;

    public JdbcMeterBinder(StatsSource source, Iterable<Tag> tags) {
        Objects.requireNonNull(source, "source");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
        this.stats = new Snapshot<>(() -> {
            try {
                return Optional.of(source.get());
            } catch (SQLException e) {
                return Optional.empty();
            }
        }, System::nanoTime);
    }

    /** Meters for the primary service of {@code url}, shared by every connection naming it in this JVM. */
    public static JdbcMeterBinder forUrl(String url, Iterable<Tag> tags) {
        Objects.requireNonNull(url, "url");
        return new JdbcMeterBinder(() -> ConsulDriver.stats(url), tags);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, "waymark.jdbc.failovers", "connections that verified a primary on another server",
                JdbcStats::failovers);
        counter(registry, "waymark.jdbc.statements.rerun",
                "statements refused as read-only by a demoted primary that ran again on the new one",
                JdbcStats::statementsReRun);
        counter(registry, "waymark.jdbc.probes", "servers asked @@read_only directly during failovers",
                JdbcStats::probes);
        counter(registry, "waymark.jdbc.connections.invalidated", "connections that turned invalid",
                JdbcStats::connectionsInvalidated);
        counter(registry, "waymark.jdbc.connections.cut.off",
                "connections to a primary that stopped answering, closed by the driver", JdbcStats::connectionsCutOff);
        counter(registry, "waymark.jdbc.split.brains", "episodes of several servers answering @@read_only = 0",
                JdbcStats::splitBrains);
    }

    // Micrometer holds a meter's object weakly: the function reads this binder's field, so that the meters
    // keep it alive when nothing else does
    private void counter(MeterRegistry registry, String name, String description, ToDoubleFunction<JdbcStats> f) {
        FunctionCounter.builder(name, this, self -> stats.get().map(f::applyAsDouble).orElse(Double.NaN))
                .tags(tags).description(description).register(registry);
    }
}
