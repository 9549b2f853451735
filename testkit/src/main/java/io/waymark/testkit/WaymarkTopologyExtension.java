package io.waymark.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The extension behind {@link WaymarkTopology}: starts the fixtures in the store of the class that
 * carries the annotation (before all its tests, or at the first injection, e.g. into the constructor
 * of a per-class instance), injects them by type, and leaves closing them to JUnit, which closes
 * what the store holds when that class is done.
 *
 * <p>Threading: stateless; JUnit's store serializes the start.
 */
public final class WaymarkTopologyExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(WaymarkTopologyExtension.class);
    private static final Set<Class<?>> TYPES = Set.of(ConsulCluster.class, RedisReplication.class,
            RedisCluster.class, MariaDbReplication.class, SeedTopology.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        owner(context).ifPresent(WaymarkTopologyExtension::fixtures);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return TYPES.contains(parameter.getParameter().getType()) && owner(context).isPresent();
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        ExtensionContext owner = owner(context).orElseThrow();
        Class<?> type = parameter.getParameter().getType();
        Object fixture = fixtures(owner).get(type);
        if (fixture == null) {
            throw new ParameterResolutionException("@WaymarkTopology on " + owner.getRequiredTestClass().getName()
                    + " starts no " + type.getSimpleName() + " (" + parameter.getParameter() + "): "
                    + Fixtures.hint(type));
        }
        return fixture;
    }

    /** The nearest class context (this one or an enclosing one) whose class carries the annotation. */
    private static Optional<ExtensionContext> owner(ExtensionContext context) {
        for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
            if (c.getTestMethod().isEmpty() && c.getTestClass().isPresent()
                    && AnnotationSupport.isAnnotated(c.getTestClass().get(), WaymarkTopology.class)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    private static Fixtures fixtures(ExtensionContext owner) {
        Class<?> test = owner.getRequiredTestClass();
        WaymarkTopology t = AnnotationSupport.findAnnotation(test, WaymarkTopology.class).orElseThrow();
        return owner.getStore(NAMESPACE).getOrComputeIfAbsent(Fixtures.class, k -> Fixtures.start(t, test),
                Fixtures.class);
    }

    /**
     * The started fixtures of one class, closed by JUnit with the class's store: Consul first (its
     * agents check the data nodes), then the data fixtures.
     *
     * <p>Threading: thread-safe; {@link #close()} is idempotent.
     */
    @SuppressWarnings("deprecation") // CloseableResource: JUnit before 5.13 closes only those
    static final class Fixtures implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        private final List<AutoCloseable> started = new ArrayList<>();
        private SeedTopology seed;
        private ConsulCluster consul;
        private RedisReplication redis;
        private RedisCluster cluster;
        private MariaDbReplication mariadb;
        private boolean closed;

        static Fixtures start(WaymarkTopology t, Class<?> test) {
            check(t, test);
            Fixtures f = new Fixtures();
            try {
                f.startAll(t);
                return f;
            } catch (RuntimeException | Error e) {
                Cleanup.runAllAfter(e, f::close);
                throw e;
            }
        }

        private void startAll(WaymarkTopology t) {
            if (t.seed()) {
                seed = add(SeedTopology.builder().start());
                consul = seed.consul();
                cluster = seed.redis();
                return;
            }
            if (t.redisReplicas() >= 0) {
                redis = add(RedisReplication.builder().replicas(t.redisReplicas()).start());
            }
            if (t.redisCluster()) {
                cluster = add(RedisCluster.builder().start());
            }
            if (t.mariadbReplicas() >= 0) {
                mariadb = add(MariaDbReplication.builder().replicas(t.mariadbReplicas()).start());
            }
            int servers = t.consulServers() > 0 ? t.consulServers() : t.roleChecks() ? 1 : 0;
            if (servers == 0) {
                return;
            }
            ConsulCluster.Builder b = ConsulCluster.builder().servers(servers);
            if (t.consulSecured()) {
                b.secured();
            }
            if (t.roleChecks()) {
                Duration interval = Duration.ofMillis(t.checkIntervalMillis());
                List<RedisNode> redisNodes = redis != null ? redis.nodes() : cluster != null ? cluster.nodes()
                        : List.of();
                String password = redis != null ? redis.password() : cluster != null ? cluster.password() : null;
                int i = 0;
                for (RedisNode n : redisNodes) {
                    b.clientAgent(String.format("redis%02d", ++i), RoleChecks.redis(n, password,
                            WaymarkTopology.REDIS_MASTER_SERVICE, WaymarkTopology.REDIS_REPLICA_SERVICE, interval));
                }
                i = 0;
                for (MariaDbNode n : mariadb == null ? List.<MariaDbNode>of() : mariadb.nodes()) {
                    b.clientAgent(String.format("mariadb%02d", ++i), RoleChecks.mariadb(n, mariadb.appUser(),
                            mariadb.appPassword(), WaymarkTopology.MARIADB_PRIMARY_SERVICE,
                            WaymarkTopology.MARIADB_REPLICA_SERVICE, interval));
                }
            }
            // first in the list: closed first
            consul = b.start();
            started.add(0, consul);
        }

        private <T extends AutoCloseable> T add(T fixture) {
            started.add(0, fixture);
            return fixture;
        }

        /** Rejects combinations that cannot work, naming the attributes. */
        static void check(WaymarkTopology t, Class<?> test) {
            String on = "@WaymarkTopology on " + test.getName() + ": ";
            if (t.seed() && (t.redisReplicas() >= 0 || t.redisCluster() || t.mariadbReplicas() >= 0
                    || t.consulServers() != 0 || t.consulSecured() || t.roleChecks())) {
                throw new IllegalArgumentException(on + "seed = true takes no other attribute (the seed is "
                        + "fixed: 3 Consul servers, a Redis Cluster, role-checked agents)");
            }
            Checks.inRange("redisReplicas", t.redisReplicas(), -1, 5);
            Checks.inRange("mariadbReplicas", t.mariadbReplicas(), -1, 4);
            Checks.inRange("consulServers", t.consulServers(), 0, 7);
            Checks.atLeastMillis("checkIntervalMillis", Duration.ofMillis(t.checkIntervalMillis()), 100);
            if (t.roleChecks() && t.redisReplicas() >= 0 && t.redisCluster()) {
                throw new IllegalArgumentException(on + "roleChecks = true with both redisReplicas and "
                        + "redisCluster: their services would share one name; drop one");
            }
            if (t.roleChecks() && t.redisReplicas() < 0 && !t.redisCluster() && t.mariadbReplicas() < 0) {
                throw new IllegalArgumentException(on + "roleChecks = true needs redisReplicas, redisCluster "
                        + "or mariadbReplicas");
            }
            if (t.consulSecured() && t.consulServers() == 0 && !t.roleChecks()) {
                throw new IllegalArgumentException(on + "consulSecured = true needs consulServers >= 1");
            }
        }

        /** What to set for a fixture of {@code type}. */
        static String hint(Class<?> type) {
            if (type == ConsulCluster.class) {
                return "set consulServers, roleChecks or seed";
            }
            if (type == RedisReplication.class) {
                return "set redisReplicas >= 0";
            }
            if (type == RedisCluster.class) {
                return "set redisCluster = true or seed = true";
            }
            if (type == MariaDbReplication.class) {
                return "set mariadbReplicas >= 0";
            }
            return "set seed = true";
        }

        synchronized Object get(Class<?> type) {
            if (type == SeedTopology.class) {
                return seed;
            }
            if (type == ConsulCluster.class) {
                return consul;
            }
            if (type == RedisReplication.class) {
                return redis;
            }
            if (type == RedisCluster.class) {
                return cluster;
            }
            return type == MariaDbReplication.class ? mariadb : null;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            Cleanup.runAll(started.stream().<Runnable>map(c -> () -> {
                try {
                    c.close();
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).toArray(Runnable[]::new));
        }
    }
}
