package io.waymark.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandType;
import io.waymark.discovery.InMemoryDiscovery;
import io.waymark.redis.ReadPolicy;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How sync methods find their routes; the sync path's behaviour is in {@code RoutingCoreTest.Sync}. */
class SyncFacadeTest {

    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private RoutingCore<String, String> core() {
        RedisSettings<String, String> settings = RedisSettings.builder(StringCodec.UTF8).discovery(new InMemoryDiscovery())
                .writeService("w").readService("r").readPolicy(ReadPolicy.MASTER).scheduler(scheduler).build();
        // never started: only routes are looked at
        StandaloneRouter<String, String> router = new StandaloneRouter<>(settings,
                address -> { throw new UnsupportedOperationException(address); }, scheduler);
        return new RoutingCore<>(router, settings, new RetryPolicy(settings));
    }

    @Test
    void everySyncMethodHasAnAsyncTwin() {
        List<String> missing = new ArrayList<>();
        for (Method m : RedisClusterCommands.class.getMethods()) {
            try {
                RedisClusterAsyncCommands.class.getMethod(m.getName(), m.getParameterTypes());
            } catch (NoSuchMethodException e) {
                missing.add(m.toString());
            }
        }
        assertThat(missing).isEmpty();
    }

    @Test
    void aRouteIsWorkedOutOncePerMethodWithItsKindAndWhetherItMayBeRetried() throws Exception {
        RoutingCore<String, String> core = core();
        Method set = RedisClusterAsyncCommands.class.getMethod("set", Object.class, Object.class);
        RoutingCore.Route route = core.route(set);
        assertThat(core.route(set)).isSameAs(route);
        assertThat(route.target()).isEqualTo(set);
        assertThat(route.kind()).isEqualTo(CommandKind.WRITE);
        assertThat(route.resend()).isEqualTo(RetryPolicy.Resend.IF_REFUSED);
        Method get = SyncFacade.asyncMethodFor(RedisClusterCommands.class.getMethod("get", Object.class));
        assertThat(core.route(get).kind()).isEqualTo(CommandKind.READ);
    }

    @Test
    void dispatchIsClassifiedPerCallAndNeverRetried() throws Exception {
        RoutingCore<String, String> core = core();
        Method dispatch = null;
        for (Method m : RedisClusterAsyncCommands.class.getMethods()) {
            if (m.getName().equals("dispatch")) {
                dispatch = m;
                break;
            }
        }
        assertThat(dispatch).isNotNull();
        RoutingCore.Route route = core.route(dispatch);
        assertThat(route.kind()).as("depends on the command dispatched").isNull();
        assertThat(route.resend()).isEqualTo(RetryPolicy.Resend.NEVER);
        assertThat(core.classifier().classify(dispatch, new Object[] {CommandType.GET, null}))
                .isEqualTo(CommandKind.READ);
        assertThat(core.classifier().classify(dispatch, new Object[] {CommandType.SET, null}))
                .isEqualTo(CommandKind.WRITE);
    }
}
