package io.waymark.benchmarks.failover.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.waymark.benchmarks.failover.ClientResult;
import io.waymark.benchmarks.failover.HarnessSettings;
import io.waymark.benchmarks.failover.Scenario;
import io.waymark.testkit.RedisCluster;
import io.waymark.testkit.RedisNode;
import io.waymark.testkit.SeedTopology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The seed's topology exactly (testkit {@link SeedTopology}: 3 Consul servers on
 * 127.0.0.11-13, a Redis Cluster on 127.0.0.21-26:8888, a Consul client agent with role checks
 * per Redis host) and N {@code CLUSTER FAILOVER}s, rotating over the three shards so that every
 * shard's master moves to its replica and back.
 *
 * <p>Three clients write side by side, keys spread over all slots: Waymark's
 * {@code DiscoveredRedis} (cluster mode detected from the nodes) and Lettuce's own
 * {@code RedisClusterClient} seeded with the static node list, once as its reference guide sets it
 * (periodic and adaptive topology refresh) and once with its defaults ({@link #clients}).
 *
 * <p>Threading: {@link #run} is not reentrant; one run at a time per instance (and per machine:
 * the seed's addresses are fixed).
 */
public final class RedisClusterFailoverScenario implements Scenario {

    static final int SHARDS = 3;
    private static final int[] SHARD_LAST_SLOT = {5460, 10922, 16383};

    @Override
    public String title() {
        return "Redis Cluster (the seed: 3 masters, 3 replicas on :8888), CLUSTER FAILOVER";
    }

    @Override
    public String gapDefinition() {
        return Definitions.GAP + " The clients write side by side during the same failovers, each with its own "
                + "writer threads (one paced INCR per ms each) and keys spread over the three shards. "
                + Definitions.COUNTERS;
    }

    @Override
    public List<ClientResult> run(HarnessSettings settings) throws Exception {
        return rotateOverShards(settings, (run, rc, shard) -> {
            RedisNode target = rc.replicaOf(masterOf(rc, shard));
            run.failover(shard, () -> rc.failover(target));
        });
    }

    /** One round of a cluster scenario: what happens to {@code shard}, until the cluster is whole again. */
    interface ShardFault {
        void inject(FailoverRun run, RedisCluster cluster, int shard) throws Exception;
    }

    /**
     * Starts the seed and the {@link #clients} writing side by side, and runs {@code settings.failovers()}
     * rounds of {@code fault}, rotating over the shards, each followed by Consul catching up with the cluster
     * and the settle time; returns the clients' results, with each key's final value read from the cluster.
     */
    static List<ClientResult> rotateOverShards(HarnessSettings settings, ShardFault fault) throws Exception {
        Duration consulWait = Duration.ofSeconds(30).plus(settings.checkInterval().multipliedBy(3));
        try (SeedTopology seed = SeedTopology.builder().checkInterval(settings.checkInterval()).start()) {
            RedisCluster rc = seed.redis();
            List<RedisURI> seeds = new ArrayList<>();
            for (RedisNode n : rc.nodes()) {
                seeds.add(PeerSettings.uri(n.host(), n.port(), SeedTopology.PASSWORD));
            }
            try (FailoverRun run = new FailoverRun(clients(seed, seeds), settings, SHARDS,
                    RedisClusterFailoverScenario::shardOf)) {
                run.start();
                for (int i = 0; i < settings.failovers(); i++) {
                    fault.inject(run, rc, i % SHARDS);
                    seed.awaitConsulMatchesCluster(consulWait);
                    run.settle();
                }
                RedisClusterClient direct = RedisClusterClient.create(seeds);
                try (StatefulRedisClusterConnection<String, String> c = direct.connect()) {
                    return run.finish(key -> {
                        String v = c.sync().get(key);
                        return v == null ? 0 : Long.parseLong(v);
                    });
                } finally {
                    direct.shutdown();
                }
            }
        }
    }

    /**
     * The clients every cluster scenario compares, in this order: Waymark (defaults, Consul's agent), Lettuce's
     * cluster client as its reference guide sets it, Lettuce's cluster client with its defaults.
     */
    static List<WriteClient> clients(SeedTopology seed, List<RedisURI> seeds) {
        List<WriteClient> clients = new ArrayList<>();
        try {
            clients.add(new WaymarkWriteClient(seed.consul().httpAddress(),
                    SeedTopology.MASTER_SERVICE + ".service.consul", SeedTopology.REPLICA_SERVICE + ".service.consul",
                    SeedTopology.PASSWORD));
            clients.add(new LettuceClusterWriteClient(seeds, LettuceClusterWriteClient.Refresh.REFERENCE_GUIDE));
            clients.add(new LettuceClusterWriteClient(seeds, LettuceClusterWriteClient.Refresh.DEFAULTS));
            return clients;
        } catch (RuntimeException e) {
            WriteClient.closeAllAfter(e, clients);
            throw e;
        }
    }

    /** The shard (0..2) of the testkit's fixed layout that serves {@code key}. */
    static int shardOf(String key) {
        int slot = SlotHash.getSlot(key);
        for (int s = 0; s < SHARDS; s++) {
            if (slot <= SHARD_LAST_SLOT[s]) {
                return s;
            }
        }
        throw new IllegalStateException("slot out of range: " + slot);
    }

    /** The current master of {@code shard}: node i of the fixture serves shard i % 3, as master or replica. */
    static RedisNode masterOf(RedisCluster rc, int shard) {
        List<RedisNode> nodes = rc.nodes();
        for (RedisNode m : rc.masters()) {
            if (nodes.indexOf(m) % SHARDS == shard) {
                return m;
            }
        }
        throw new IllegalStateException("no master for shard " + shard + " in " + rc);
    }
}
