package io.waymark.benchmarks.failover.redis;

import io.waymark.benchmarks.failover.ClientResult;
import io.waymark.benchmarks.failover.HarnessSettings;
import io.waymark.benchmarks.failover.Scenario;
import io.waymark.testkit.Promotion;
import io.waymark.testkit.RedisNode;
import java.time.Duration;
import java.util.List;

/**
 * Redis standalone replication (a master and 2 replicas) behind Consul, as in
 * {@link RedisStandaloneFailoverScenario}, and N unplanned failures of the master, each followed by
 * an outside actor's promotion of the best replica (the testkit's {@code promoteWhenMasterFails}:
 * what an operator script or an orchestrator does, there is no Sentinel): the master killed
 * ({@code kill -9}), replica promoted 3 s after the actor saw it fail, the old master restarted as a
 * replica afterwards; or the master frozen for 8 s, replica promoted 1 s after the actor saw it fail,
 * the old master woken and demoted by the actor.
 *
 * <p>The same four clients as the switchover scenario write side by side. The gap of a failure is
 * from the promotion (the replica became writable) to the client's first acknowledged write.
 *
 * <p>Threading: {@link #run} is not reentrant; one run at a time per instance.
 */
public final class RedisStandaloneOutageScenario implements Scenario {

    private static final Duration FREEZE = Duration.ofSeconds(8);
    private static final Duration PROMOTION_TIMEOUT = Duration.ofSeconds(60);

    private final Outage outage;

    public RedisStandaloneOutageScenario(Outage outage) {
        this.outage = outage;
    }

    /** The master killed, a replica promoted 3 s after the outside actor saw it fail. */
    public static RedisStandaloneOutageScenario kill() {
        return new RedisStandaloneOutageScenario(Outage.KILL);
    }

    /** The master frozen 8 s, a replica promoted 1 s after the outside actor saw it fail. */
    public static RedisStandaloneOutageScenario freeze() {
        return new RedisStandaloneOutageScenario(Outage.FREEZE);
    }

    @Override
    public String title() {
        return "Redis standalone replication (1 master, 2 replicas), " + (outage == Outage.KILL
                ? "master kill -9, replica promoted 3 s later by an outside actor"
                : "master frozen 8 s, replica promoted 1 s later by an outside actor, old master woken");
    }

    @Override
    public String gapDefinition() {
        return "from the promotion (the replica became writable) to the client's first acknowledged write; "
                + "\"never\" when none came within " + FailoverRun.RECOVERY_TIMEOUT.toSeconds() + " s. All four "
                + "clients write side by side during the same failures, each with its own writer threads (one "
                + "paced INCR per ms each) and keys. " + Definitions.COUNTERS;
    }

    @Override
    public List<ClientResult> run(HarnessSettings settings) throws Exception {
        return RedisStandaloneFailoverScenario.rounds(settings, (run, rr) -> {
            RedisNode victim = rr.master();
            run.outage(0, () -> {
                Promotion<RedisNode> p = rr.promoteWhenMasterFails(Duration.ofSeconds(outage == Outage.KILL ? 3 : 1));
                if (outage == Outage.KILL) {
                    victim.kill();
                } else {
                    victim.freeze(FREEZE);
                }
                p.await(PROMOTION_TIMEOUT);
                return p.promotedAtNanos();
            });
            if (outage == Outage.KILL) {
                victim.start();
            }
            Outage.awaitReplica(victim, RedisStandaloneFailoverScenario.PASSWORD, PROMOTION_TIMEOUT);
            rr.awaitReplicasInSync();
        });
    }
}
