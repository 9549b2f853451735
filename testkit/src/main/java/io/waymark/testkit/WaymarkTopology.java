package io.waymark.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts Waymark fixtures once for a test class and injects them into constructors, lifecycle and
 * test methods (also of its {@code @Nested} classes) by parameter type: {@link ConsulCluster},
 * {@link RedisReplication}, {@link RedisCluster}, {@link MariaDbReplication}, {@link SeedTopology}.
 * They are closed after the class's last test, whatever happened. They run on the backend chosen
 * as for any fixture (see {@link Backend}).
 *
 * <pre>{@code
 * @WaymarkTopology(redisReplicas = 1, roleChecks = true)
 * class CheckoutIT {
 *   @Test
 *   void survives_a_switchover(RedisReplication redis, ConsulCluster consul) {
 *     consul.awaitPassing(WaymarkTopology.REDIS_MASTER_SERVICE, 1, Duration.ofSeconds(30));
 *     redis.switchover(redis.replicas().get(0));
 *   }
 * }
 * }</pre>
 *
 * <p>With {@link #roleChecks()}, every Redis or MariaDB node gets a Consul client agent on its own
 * address (node names redis01.., mariadb01..) registering the seed's role-checked services:
 * {@value #REDIS_MASTER_SERVICE} / {@value #REDIS_REPLICA_SERVICE} for Redis (replication or
 * cluster), {@value #MARIADB_PRIMARY_SERVICE} / {@value #MARIADB_REPLICA_SERVICE} for MariaDB (checked
 * with the database's application user). The fixture is started before it is injected: it is ready
 * then, but the role checks may take a check interval to pass.
 *
 * <p>Threading: the fixtures are thread-safe (see each); the extension starts them on JUnit's thread.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(WaymarkTopologyExtension.class)
public @interface WaymarkTopology {

    /** The writable Redis service of {@link #roleChecks()}. */
    String REDIS_MASTER_SERVICE = "w-master-redis-6379";
    /** The Redis replica service of {@link #roleChecks()}. */
    String REDIS_REPLICA_SERVICE = "r-slave-redis-6379";
    /** The writable MariaDB service of {@link #roleChecks()}. */
    String MARIADB_PRIMARY_SERVICE = "w-master-mysql-3306";
    /** The MariaDB replica service of {@link #roleChecks()}. */
    String MARIADB_REPLICA_SERVICE = "r-slave-mysql-3306";

    /** The seed ({@link SeedTopology}, which also injects its ConsulCluster and RedisCluster); alone. */
    boolean seed() default false;

    /** A {@link RedisReplication} with this many replicas (0..5); -1, the default: none. */
    int redisReplicas() default -1;

    /** A {@link RedisCluster} of 3 masters and 3 replicas. */
    boolean redisCluster() default false;

    /** A {@link MariaDbReplication} with this many replicas (0..4); -1, the default: none. */
    int mariadbReplicas() default -1;

    /**
     * Consul servers (1..7) of a {@link ConsulCluster}; 0, the default: none, unless
     * {@link #roleChecks()} asks for one (then 1).
     */
    int consulServers() default 0;

    /** The Consul cluster {@link ConsulCluster.Builder#secured() secured}. */
    boolean consulSecured() default false;

    /** A Consul client agent with the seed's role checks on each Redis and MariaDB node. */
    boolean roleChecks() default false;

    /** Interval of the role checks, in milliseconds; default 1000. */
    long checkIntervalMillis() default 1000;
}
