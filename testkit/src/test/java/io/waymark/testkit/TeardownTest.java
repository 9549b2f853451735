package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Teardown.closeAll")
class TeardownTest {

    private final List<String> closed = new ArrayList<>();

    private AutoCloseable resource(String name) {
        return () -> closed.add(name);
    }

    private AutoCloseable failing(String name, Exception failure) {
        return new AutoCloseable() {
            @Override
            public void close() throws Exception {
                closed.add(name);
                throw failure;
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    @Test
    void closesInTheOrderGivenAndSkipsWhatWasNeverStarted() {
        Teardown.closeAll(resource("client"), null, resource("consul"), null, resource("redis"));
        assertThat(closed).containsExactly("client", "consul", "redis");
    }

    @Test
    void closesEveryOneAfterAFailureAndThrowsTheFirstWithTheLaterOnesSuppressed() {
        IllegalStateException first = new IllegalStateException("first");
        IllegalStateException second = new IllegalStateException("second");
        assertThatThrownBy(() -> Teardown.closeAll(failing("client", first), resource("consul"),
                failing("redis", second))).isSameAs(first).hasSuppressedException(second);
        assertThat(closed).containsExactly("client", "consul", "redis");
    }

    @Test
    void aCheckedFailureIsWrappedNamingTheResource() {
        IOException io = new IOException("socket gone");
        assertThatThrownBy(() -> Teardown.closeAll(failing("consul", io))).isInstanceOf(IllegalStateException.class)
                .hasMessage("closing consul failed").hasCause(io);
    }
}
