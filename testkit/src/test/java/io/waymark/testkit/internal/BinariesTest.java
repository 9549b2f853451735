package io.waymark.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Binaries")
class BinariesTest {

    @Test
    void a_missing_binary_fails_naming_it_and_the_install_script() {
        assertThatThrownBy(() -> Binaries.require("waymark-no-such-server"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("waymark-no-such-server")
                .hasMessageContaining("scripts/install-prereqs");
    }

    @Test
    void a_present_binary_resolves_to_an_absolute_path() {
        assertThat(Binaries.require("sh")).startsWith("/").endsWith("/sh");
    }
}
