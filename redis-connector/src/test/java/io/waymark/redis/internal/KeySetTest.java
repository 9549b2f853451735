package io.waymark.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeySetTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void byteArrayChannelsAreTheSameChannelWhenTheirBytesAre() {
        KeySet<byte[]> set = new KeySet<>();
        set.addAll(List.of(b("orders"), b("orders"), b("audit")));

        assertThat(set.toList()).hasSize(2);
        set.removeAll(List.of(b("orders")));
        assertThat(set.toList()).singleElement().isEqualTo(b("audit"));
    }

    @Test
    void missingAndExtraCompareByContent() {
        KeySet<byte[]> set = new KeySet<>();
        set.addAll(List.of(b("a"), b("b")));

        assertThat(set.missingFrom(List.of(b("a"), b("c")))).singleElement().isEqualTo(b("b"));
        assertThat(set.extraIn(List.of(b("a"), b("c")))).singleElement().isEqualTo(b("c"));
    }

    @Test
    void aKeyChangedByItsCallerAfterwardsStaysWhatWasSubscribed() {
        KeySet<byte[]> set = new KeySet<>();
        byte[] k = b("x");
        set.addAll(List.of(k));
        k[0] = 'y';

        assertThat(set.missingFrom(List.of(b("x")))).isEmpty();
        assertThat(set.toList()).singleElement().isEqualTo(b("x"));
    }
}
