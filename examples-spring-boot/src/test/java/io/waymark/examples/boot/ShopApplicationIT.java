package io.waymark.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.MariaDbNode;
import io.waymark.testkit.MariaDbReplication;
import io.waymark.testkit.RedisNode;
import io.waymark.testkit.RoleChecks;
import io.waymark.testkit.SeedTopology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.actuate.endpoint.CompositeHealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.IndicatedHealthDescriptor;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The example application, unchanged, against the seed topology (a Redis Cluster in Consul) and a MariaDB
 * primary with a replica in Consul: orders are placed by writer threads while the Redis Cluster fails
 * over, then while MariaDB switches over. No error reaches a template call, every acknowledged order is a
 * row and a count, Actuator health is UP before and after, and the Micrometer counters show both failovers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShopApplicationIT {

    private static final String DB_PRIMARY = "w-master-mysql-3306";
    private static final String DB_REPLICA = "r-slave-mysql-3306";
    private static final int WRITERS = 4;

    private SeedTopology seed;
    private MariaDbReplication db;
    private ConsulCluster dbConsul;
    private ConfigurableApplicationContext app;

    private final AtomicLong nextId = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final List<String> healthSeen = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start() {
        seed = SeedTopology.builder().checkInterval(Duration.ofSeconds(1)).start();
        db = MariaDbReplication.builder().replicas(1).database("shop").appUser("app", "apppass").start();
        ConsulCluster.Builder b = ConsulCluster.builder().servers(1);
        int i = 0;
        for (MariaDbNode n : db.nodes()) {
            b.clientAgent("db-" + ++i, RoleChecks.mariadb(n, db.appUser(), db.appPassword(), DB_PRIMARY, DB_REPLICA,
                    Duration.ofSeconds(1)));
        }
        dbConsul = b.start();
        dbConsul.awaitPassing(DB_PRIMARY, 1, Duration.ofSeconds(60));
        dbConsul.awaitPassing(DB_REPLICA, 1, Duration.ofSeconds(60));
        // the application's own application.properties, but for where this MariaDB's Consul agent is
        app = new SpringApplicationBuilder(ShopApplication.class)
                .run("--spring.datasource.hikari.data-source-properties.consul.agent="
                        + dbConsul.clients().get(0).httpAddress());
        app.getBean(Orders.class).createTable();
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {app, dbConsul, db, seed}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the next one still gets closed
            }
        }
    }

    private String health() {
        HealthDescriptor h = app.getBean(HealthEndpoint.class).health();
        return h.getStatus().getCode();
    }

    /** Every health component that is not UP, with its details: what a failed wait for UP reports. */
    private String notUp() {
        Map<String, Object> out = new LinkedHashMap<>();
        notUp("", app.getBean(HealthEndpoint.class).health(), out);
        return out.toString();
    }

    private static void notUp(String path, HealthDescriptor h, Map<String, Object> out) {
        if (h instanceof CompositeHealthDescriptor c) {
            c.getComponents().forEach((name, child) -> notUp(path + "/" + name, child, out));
        } else if (!"UP".equals(h.getStatus().getCode())) {
            out.put(path, h.getStatus().getCode() + (h instanceof IndicatedHealthDescriptor i ? " " + i.getDetails() : ""));
        }
    }

    /** Runs {@code fault} while writers place orders; returns once a few hundred more were acknowledged after it. */
    private void underLoad(Runnable fault) throws InterruptedException {
        Orders orders = app.getBean(Orders.class);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < WRITERS; i++) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        orders.place(nextId.incrementAndGet());
                        acknowledged.incrementAndGet();
                    } catch (RuntimeException e) {
                        errors.add(e);
                    }
                }
            }, "shop-writer-" + i);
            t.start();
            threads.add(t);
        }
        Thread health = new Thread(() -> {
            while (!stop.get()) {
                healthSeen.add(health());
                try {
                    Thread.sleep(100); // the health poll's period; the loop ends with the writers
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "shop-health");
        health.start();
        try {
            long before = acknowledged.get();
            await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.get() > before + 100);
            fault.run();
            long after = acknowledged.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.get() > after + 200);
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                t.join(20_000);
            }
            health.join(5_000);
        }
    }

    @Test
    void ordersFlowThroughARedisClusterFailoverAndAMariaDbSwitchoverWithoutAnError() throws Exception {
        assertThat(health()).isEqualTo("UP");
        MeterRegistry meters = app.getBean(MeterRegistry.class);

        RedisNode master = seed.redis().masters().get(0);
        underLoad(() -> seed.failover(seed.redis().replicaOf(master)));
        assertThat(errors).as("errors reaching Orders.place during the Redis failover").isEmpty();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                meters.get("waymark.redis.failovers").tag("client", "template").functionCounter().count())
                .isPositive());

        MariaDbNode target = db.replicas().get(0);
        underLoad(() -> db.switchover(target));
        assertThat(errors).as("errors reaching Orders.place during the MariaDB switchover").isEmpty();
        assertThat(meters.get("waymark.jdbc.failovers").functionCounter().count()).isPositive();

        // read-your-writes holds once Consul lists the new primary and the connector's watch saw it (before
        // that, a pooled connection that sent nothing since the switchover still reads on the demoted server):
        // a lost or doubled row never converges, so the bounded wait still fails on one
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(dbConsul.passing(DB_PRIMARY))
                .containsExactly(target.address()));
        Orders orders = app.getBean(Orders.class);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(orders.rows()).isEqualTo(acknowledged.get()));
        assertThat(orders.counted()).isEqualTo(acknowledged.get());
        assertThat(healthSeen).first().isEqualTo("UP");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(notUp()).isEqualTo("{}"));
        assertThat(meters.get("waymark.discovery.requests").functionCounter().count()).isPositive();
        assertThat(meters.get("waymark.redis.masters").tag("client", "template").gauge().value()).isEqualTo(3);
        System.out.printf("%d orders acknowledged, 0 errors; health seen: %s; waymark.redis.failovers=%.0f, "
                + "waymark.jdbc.failovers=%.0f, waymark.jdbc.statements.rerun=%.0f%n",
                acknowledged.get(), new LinkedHashSet<>(healthSeen),
                meters.get("waymark.redis.failovers").tag("client", "template").functionCounter().count(),
                meters.get("waymark.jdbc.failovers").functionCounter().count(),
                meters.get("waymark.jdbc.statements.rerun").functionCounter().count());
    }
}
