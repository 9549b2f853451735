package io.waymark.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class JdbcMeterBinderTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void aUrlNoConnectionWasOpenedForReadsZerosUnderTheBinderTags() {
        JdbcMeterBinder.forUrl("jdbc:consul:mariadb://w-master-mysql-3306.service.consul/shop?consul.agent=127.0.0.1:1",
                Tags.of("pool", "orders")).bindTo(registry);

        for (String name : new String[] {"waymark.jdbc.failovers", "waymark.jdbc.statements.rerun",
                "waymark.jdbc.probes", "waymark.jdbc.connections.invalidated", "waymark.jdbc.connections.cut.off",
                "waymark.jdbc.split.brains"}) {
            assertThat(registry.get(name).tag("pool", "orders").functionCounter().count()).as(name).isZero();
        }
    }

    @Test
    void statsThatCannotBeReadAreNaNNotAFailedScrape() {
        new JdbcMeterBinder(() -> {
            throw new SQLException("not a jdbc:consul: URL");
        }, Tags.empty()).bindTo(registry);

        assertThat(registry.get("waymark.jdbc.failovers").functionCounter().count()).isNaN();
    }
}
