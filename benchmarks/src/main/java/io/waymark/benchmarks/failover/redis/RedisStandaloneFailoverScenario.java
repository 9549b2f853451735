package io.waymark.benchmarks.failover.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.waymark.benchmarks.failover.ClientResult;
import io.waymark.benchmarks.failover.HarnessSettings;
import io.waymark.benchmarks.failover.Scenario;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.RedisNode;
import io.waymark.testkit.RedisReplication;
import io.waymark.testkit.RoleChecks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Redis standalone replication (a master and 2 replicas, AUTH on) behind Consul (one server, one
 * client agent per Redis node with the seed's role checks), and N coordinated switchovers (the
 * testkit's {@code RedisReplication.switchover}: writes paused on the old master, the replica
 * caught up, promoted, the others repointed, writes released), the master going round the
 * three nodes in turn.
 *
 * <p>Four clients write side by side, each with its own writer threads and keys, during the same
 * switchovers: Waymark's {@code DiscoveredRedis}; Lettuce {@code MasterReplica} with the static
 * node list; a kiwi {@code ServiceHealthCache} rebuilding a Lettuce connection when the passing
 * master changes; a client resolving Consul DNS when it (re)connects. All talk to the same Consul
 * client agent; the Lettuce peers use Waymark's command timeout (3 s).
 *
 * <p>Threading: {@link #run} is not reentrant; one run at a time per instance.
 */
public final class RedisStandaloneFailoverScenario implements Scenario {

    static final String PASSWORD = "secret";
    static final int PORT = 6379;
    static final String MASTER_SERVICE = "w-master-redis-6379";
    static final String REPLICA_SERVICE = "r-slave-redis-6379";

    @Override
    public String title() {
        return "Redis standalone replication (1 master, 2 replicas), coordinated switchover";
    }

    @Override
    public String gapDefinition() {
        return Definitions.GAP + " All four clients write side by side during the same switchovers, "
                + "each with its own writer threads (one paced INCR per ms each) and keys. "
                + Definitions.COUNTERS;
    }

    @Override
    public List<ClientResult> run(HarnessSettings settings) throws Exception {
        return rounds(settings, (run, rr) -> {
            // round the ring n1 -> n2 -> n3 -> n1: every node takes its turn as master
            List<RedisNode> nodes = rr.nodes();
            RedisNode target = nodes.get((nodes.indexOf(rr.master()) + 1) % nodes.size());
            run.failover(0, () -> rr.switchover(target));
        });
    }

    /** One round of a standalone scenario: what happens to the master, until the group has one again. */
    interface MasterFault {
        void inject(FailoverRun run, RedisReplication replication) throws Exception;
    }

    /**
     * Starts the replication behind Consul and the clients of {@link #openClients} writing side by side, and
     * runs {@code settings.failovers()} rounds of {@code fault}, each followed by Consul passing the new
     * master alone and the settle time; returns the clients' results, with each key's final value read
     * from the master.
     */
    static List<ClientResult> rounds(HarnessSettings settings, MasterFault fault) throws Exception {
        Duration consulWait = Duration.ofSeconds(15).plus(settings.checkInterval().multipliedBy(3));
        try (RedisReplication rr = RedisReplication.builder().replicas(2).password(PASSWORD).port(PORT).start();
                ConsulCluster consul = consul(rr, settings)) {
            awaitMasterInConsul(consul, rr.master(), consulWait);
            try (FailoverRun run = new FailoverRun(openClients(rr, consul), settings, 1, key -> 0)) {
                run.start();
                for (int i = 0; i < settings.failovers(); i++) {
                    fault.inject(run, rr);
                    awaitMasterInConsul(consul, rr.master(), consulWait);
                    run.settle();
                }
                return finish(run, rr);
            }
        }
    }

    /** Reads each key's final value from the current master directly. */
    private static List<ClientResult> finish(FailoverRun run, RedisReplication rr) throws InterruptedException {
        try (RedisClient direct = RedisClient.create();
                StatefulRedisConnection<String, String> master =
                        direct.connect(PeerSettings.uri(rr.master().host(), rr.master().port(), PASSWORD))) {
            return run.finish(key -> {
                String v = master.sync().get(key);
                return v == null ? 0 : Long.parseLong(v);
            });
        }
    }

    static List<WriteClient> openClients(RedisReplication rr, ConsulCluster consul) throws Exception {
        List<WriteClient> clients = new ArrayList<>();
        try {
            clients.add(new WaymarkWriteClient(consul.httpAddress(), MASTER_SERVICE + ".service.consul",
                    REPLICA_SERVICE + ".service.consul", PASSWORD));
            List<RedisURI> nodes = new ArrayList<>();
            for (RedisNode n : rr.nodes()) {
                nodes.add(PeerSettings.uri(n.host(), n.port(), PASSWORD));
            }
            clients.add(new MasterReplicaWriteClient(nodes));
            clients.add(new KiwiCacheWriteClient(consul.httpAddress(), MASTER_SERVICE, PASSWORD));
            clients.add(new ConsulDnsWriteClient(consul.clients().get(0).dnsAddress(),
                    MASTER_SERVICE + ".service.consul", PORT, PASSWORD));
            return clients;
        } catch (Exception | Error e) {
            WriteClient.closeAllAfter(e, clients);
            throw e;
        }
    }

    static ConsulCluster consul(RedisReplication rr, HarnessSettings settings) {
        ConsulCluster.Builder cb = ConsulCluster.builder().servers(1);
        int i = 0;
        for (RedisNode n : rr.nodes()) {
            cb.clientAgent(String.format("redis%02d", ++i),
                    RoleChecks.redis(n, PASSWORD, MASTER_SERVICE, REPLICA_SERVICE, settings.checkInterval()));
        }
        return cb.start();
    }

    /** Waits until Consul passes exactly {@code master} for the write service, so every client starts from a steady state. */
    static void awaitMasterInConsul(ConsulCluster consul, RedisNode master, Duration timeout) {
        List<String> expected = List.of(master.address());
        if (!FailoverRun.awaitUntil(timeout, () -> expected.equals(consul.passing(MASTER_SERVICE)))) {
            throw new IllegalStateException("Consul did not pass " + master.address() + " alone as "
                    + MASTER_SERVICE + " within " + timeout + ": " + consul.passing(MASTER_SERVICE));
        }
    }
}
