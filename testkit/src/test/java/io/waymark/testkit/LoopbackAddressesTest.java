package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("LoopbackAddresses")
class LoopbackAddressesTest {

    @Test
    void leasesDistinctPoolAddressesUntilClosed() {
        try (LoopbackAddresses.Lease a = LoopbackAddresses.acquire(6379);
                LoopbackAddresses.Lease b = LoopbackAddresses.acquire(6379)) {
            assertThat(a.address()).isNotEqualTo(b.address()).startsWith("127.0.0.");
            int last = Integer.parseInt(a.address().substring("127.0.0.".length()));
            assertThat(last).isBetween(LoopbackAddresses.POOL_FIRST, LoopbackAddresses.POOL_LAST);
        }
    }

    @Test
    void aHeldFixedAddressIsNotHandedOutTwice() {
        try (LoopbackAddresses.Lease a = LoopbackAddresses.acquire(6379)) {
            assertThatThrownBy(() -> LoopbackAddresses.acquire(a.address(), Duration.ofMillis(300), 6379))
                    .hasMessageContaining(a.address());
        }
    }

    @Test
    void rejectsNonLoopbackAddressesAndBadPorts() {
        assertThatThrownBy(() -> LoopbackAddresses.acquire("10.0.0.1", Duration.ZERO, 1))
                .hasMessageContaining("loopback");
        assertThatThrownBy(() -> LoopbackAddresses.acquire(0)).hasMessage("port must be in 1..65535: 0");
    }
}
