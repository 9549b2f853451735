package io.waymark.benchmarks.failover.redis;

import io.waymark.benchmarks.failover.ClientResult;
import io.waymark.benchmarks.failover.HarnessSettings;
import io.waymark.benchmarks.failover.Scenario;
import io.waymark.testkit.RedisNode;
import io.waymark.testkit.SeedTopology;
import java.time.Duration;
import java.util.List;

/**
 * The seed's Redis Cluster (3 masters, 3 replicas on :8888, cluster-node-timeout 5 s) and N
 * unplanned failures of a master, rotating over the shards: killed ({@code kill -9}; restarted
 * afterwards, it rejoins as a replica) or frozen for 15 s (SIGSTOP, then SIGCONT: it wakes believing
 * it is the master and rejoins as a replica). The cluster promotes the replica on its own.
 *
 * <p>Three clients write side by side, keys spread over the three shards: Waymark's
 * {@code DiscoveredRedis} with its defaults, Lettuce's {@code RedisClusterClient} set as its reference
 * guide recommends, and Lettuce's {@code RedisClusterClient} with its defaults (see
 * {@link LettuceClusterWriteClient}). The gap of a failure is from the promotion (the replica
 * answering {@code ROLE} master) to the client's first acknowledged write on that shard.
 *
 * <p>Threading: {@link #run} is not reentrant; one run at a time per machine (the seed's addresses
 * are fixed).
 */
public final class RedisClusterOutageScenario implements Scenario {

    private static final Duration FREEZE = Duration.ofSeconds(15);
    private static final Duration PROMOTION_TIMEOUT = Duration.ofSeconds(60);

    private final Outage outage;

    public RedisClusterOutageScenario(Outage outage) {
        this.outage = outage;
    }

    /** A master killed with {@code kill -9}. */
    public static RedisClusterOutageScenario kill() {
        return new RedisClusterOutageScenario(Outage.KILL);
    }

    /** A master frozen for 15 s. */
    public static RedisClusterOutageScenario freeze() {
        return new RedisClusterOutageScenario(Outage.FREEZE);
    }

    @Override
    public String title() {
        return "Redis Cluster (the seed: 3 masters, 3 replicas on :8888, node timeout 5 s), "
                + (outage == Outage.KILL ? outage.description : "master SIGSTOP 15 s, then SIGCONT")
                + ", the cluster promotes the replica";
    }

    @Override
    public String gapDefinition() {
        return "from the promotion (the replica answers ROLE master) to the client's first acknowledged write on "
                + "the failed shard; \"never\" when none came within " + FailoverRun.RECOVERY_TIMEOUT.toSeconds()
                + " s. The three clients write side by side, each with its own writer threads (one paced INCR per "
                + "ms each) and keys spread over the three shards; the note splits the caller errors between the "
                + "failed shard and the others. " + Definitions.COUNTERS;
    }

    @Override
    public List<ClientResult> run(HarnessSettings settings) throws Exception {
        return RedisClusterFailoverScenario.rotateOverShards(settings, (run, rc, shard) -> {
            RedisNode victim = RedisClusterFailoverScenario.masterOf(rc, shard);
            RedisNode heir = rc.replicaOf(victim);
            run.outage(shard, () -> {
                if (outage == Outage.KILL) {
                    victim.kill();
                } else {
                    victim.freeze(FREEZE);
                }
                return Outage.awaitMaster(heir, SeedTopology.PASSWORD, PROMOTION_TIMEOUT);
            });
            if (outage == Outage.KILL) {
                victim.start();
            }
            Outage.awaitReplica(victim, SeedTopology.PASSWORD, PROMOTION_TIMEOUT);
            rc.awaitOk();
        });
    }
}
