package io.waymark.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class SyncFacadeTest {

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
    @SuppressWarnings("unchecked")
    void waitsForTheAsyncResultAndRethrowsServerErrorsAsIs() {
        Object async = Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RedisClusterAsyncCommands.class}, (p, m, a) -> {
                    RoutedFuture<Object> f = new RoutedFuture<>();
                    if (m.getName().equals("get")) {
                        CompletableFuture.runAsync(() -> f.complete("v-" + a[0]));
                    } else {
                        f.completeExceptionally(new RedisCommandExecutionException("WRONGTYPE no"));
                    }
                    return f;
                });
        RedisClusterCommands<String, String> sync = (RedisClusterCommands<String, String>) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {RedisClusterCommands.class},
                new SyncFacade(async, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        assertThat(sync.get("k")).isEqualTo("v-k");
        assertThatThrownBy(() -> sync.incr("k")).isInstanceOf(RedisCommandExecutionException.class)
                .hasMessage("WRONGTYPE no");
    }
}
