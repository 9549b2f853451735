package io.waymark.examples;

import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.DiscoveryMode;
import io.waymark.discovery.Endpoints;
import io.waymark.discovery.Watch;
import io.waymark.testkit.ConsulAgent;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.ServiceSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Resolve a Consul name and watch it change, once through blocking HTTP queries and once
 * through the agent's DNS interface.
 *
 * <p>Run: {@code scripts/example resolve}. It starts a one-server Consul with a client agent
 * that registers two instances of {@code web} with TTL checks, then fails one of them.
 */
public final class ResolveAndWatch {

    private ResolveAndWatch() {
    }

    public static void main(String[] args) throws InterruptedException {
        try (ConsulCluster consul = ConsulCluster.builder().servers(1).clientAgent("web-host").start()) {
            ConsulAgent agent = consul.clients().get(0);
            for (int i = 1; i <= 2; i++) {
                agent.register(ServiceSpec.builder("web").id("web-" + i).address("127.0.0.1").port(8080 + i)
                        .tags("v1").ttlCheck(Duration.ofMinutes(5), "web-" + i + "-ttl").build());
                agent.updateTtl("web-" + i + "-ttl", "passing");
            }
            for (DiscoveryMode mode : DiscoveryMode.values()) {
                List<Endpoints> seen = run(agent.httpAddress(), mode, () -> agent.updateTtl("web-2-ttl", "critical"));
                seen.forEach(e -> System.out.println(mode + " saw " + e));
                agent.updateTtl("web-2-ttl", "passing");
            }
        }
    }

    /**
     * Watches {@code web} through the agent at {@code agent}, calls {@code change} once the
     * watch saw the first answer, and returns what the watch saw: the first answer and the
     * one after the change.
     */
    public static List<Endpoints> run(String agent, DiscoveryMode mode, Runnable change) throws InterruptedException {
        try (ConsulDiscovery discovery = ConsulDiscovery.builder()
                .agent(agent)
                .mode(mode)
                .dnsPollInterval(Duration.ofMillis(500))
                .build()) {
            Endpoints now = discovery.resolve("web.service.consul");
            System.out.println(mode + ": web.service.consul -> " + now.all());

            BlockingQueue<Endpoints> changes = new LinkedBlockingQueue<>();
            try (Watch watch = discovery.watch("web", changes::add)) {
                Endpoints first = changes.poll(10, TimeUnit.SECONDS);
                change.run();
                Endpoints next = changes.poll(30, TimeUnit.SECONDS);
                if (first == null || next == null) {
                    throw new IllegalStateException(mode + ": no change seen within 30 s");
                }
                return List.of(first, next);
            }
        }
    }
}
