package io.waymark.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Binaries")
class BinariesTest {

    @Test
    void aMissingBinaryFailsNamingItAndTheInstallScript() {
        assertThatThrownBy(() -> Binaries.require("waymark-no-such-server"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("waymark-no-such-server")
                .hasMessageContaining("scripts/install-prereqs");
    }

    @Test
    void aPresentBinaryResolvesToAnAbsolutePath() {
        assertThat(Binaries.require("sh")).startsWith("/").endsWith("/sh");
    }
}
