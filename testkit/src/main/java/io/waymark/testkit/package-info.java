/**
 * JUnit fixtures that run real Consul, Redis and MariaDB servers, each simulated host on its own
 * 127.0.0.x address with the server's standard ports, the way the seed lays out its containers: as
 * local processes or as containers on the host network ({@link io.waymark.testkit.Backend}, chosen
 * by {@code waymark.testkit.backend}); {@link io.waymark.testkit.WaymarkTopology} starts them once
 * per test class and injects them.
 *
 * <ul>
 *   <li>{@link io.waymark.testkit.ConsulCluster}: servers plus client agents, services with
 *       script, TCP, HTTP and TTL checks; {@link io.waymark.testkit.ConsulCluster.Builder#secured()}
 *       for HTTPS with client certificates and ACLs with default deny
 *       ({@link io.waymark.testkit.ConsulSecurity}, {@link io.waymark.testkit.ConsulToken});
 *   <li>{@link io.waymark.testkit.RedisReplication}, {@link io.waymark.testkit.RedisCluster},
 *       {@link io.waymark.testkit.MariaDbReplication}: with switchover/failover, an outside
 *       promoter after a fault ({@link io.waymark.testkit.Promotion}), and per-process
 *       {@link io.waymark.testkit.FaultControls} (stop, start, kill = SIGKILL, freeze = SIGSTOP,
 *       thaw = SIGCONT, timed freezes);
 *   <li>{@link io.waymark.testkit.RoleChecks}: the seed's role script checks, to put Consul client
 *       agents in front of those fixtures; {@link io.waymark.testkit.SeedTopology}: the seed.
 * </ul>
 *
 * <p>Every fixture's builder takes extra options for its servers' command lines
 * ({@code serverOption}, e.g. {@code --secure-file-priv=/some/dir} for MariaDB), on both backends.
 *
 * <p>Every fixture works in its own temp dir, owns its processes by pid, and stops them on
 * {@code close()} and from a JVM shutdown hook; a later JVM also removes what a killed JVM left
 * (processes whose command line or working dir lies in a dead JVM's fixture dir). What a fixture
 * does later on its own (timed thaws, outside promoters) runs on its scheduler, two named daemon
 * threads shut down by {@code close()}. Addresses are leased through
 * {@link io.waymark.testkit.LoopbackAddresses} (file locks shared by all JVMs on the machine).
 * Readiness waits are bounded and fail with the tail of the server's log; a missing binary fails
 * naming it and {@code scripts/install-prereqs}, a missing engine or image naming the fixture, the
 * image and what to do. On the containers backend, containers are removed on {@code close()} and at
 * JVM exit, and a later JVM removes the containers and images a killed one left (by label).
 */
package io.waymark.testkit;
