package io.waymark.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SecretsTest {

    @Nested
    class MaskUrl {

        @ParameterizedTest
        @ValueSource(strings = {"password", "PASSWORD", "password1", "password3", "trustCertificateKeyStorePassword",
            "keyStorePassword", "consul.token", "consul.TOKEN", "clientSecret", "pwd"})
        void masksEverySecretParameter(String key) {
            String url = "jdbc:consul:mysql://db/shop?user=app&" + key + "=hunter2&useSSL=false";
            assertThat(Secrets.maskUrl(url)).isEqualTo("jdbc:consul:mysql://db/shop?user=app&" + key + "=****&useSSL=false");
        }

        @Test
        void masksSecretsInFirstAndLastPosition() {
            assertThat(Secrets.maskUrl("jdbc:mysql://h:1/db?password=a&consul.token=b"))
                    .isEqualTo("jdbc:mysql://h:1/db?password=****&consul.token=****");
        }

        @Test
        void masksEmptyAndOddValues() {
            assertThat(Secrets.maskUrl("jdbc:x://h/db?password=&k=v")).isEqualTo("jdbc:x://h/db?password=****&k=v");
            assertThat(Secrets.maskUrl("jdbc:x://h/db?password=a=b%26c")).isEqualTo("jdbc:x://h/db?password=****");
            assertThat(Secrets.maskUrl("jdbc:x://h/db;password=p;user=u")).isEqualTo("jdbc:x://h/db;password=****;user=u");
        }

        @Test
        void masksUserInfoPasswords() {
            assertThat(Secrets.maskUrl("jdbc:consul:mysql://app:hunter2@db/shop"))
                    .isEqualTo("jdbc:consul:mysql://app:****@db/shop");
        }

        @Test
        void leavesOtherUrlsAlone() {
            String url = "jdbc:consul:mysql://w-master/shop?consul.agent=127.0.0.11:8500&user=app";
            assertThat(Secrets.maskUrl(url)).isEqualTo(url);
            assertThat(Secrets.maskUrl(null)).isEqualTo("null");
        }
    }

    @Test
    void maskValue() {
        assertThat(Secrets.maskValue("password", "x")).isEqualTo("****");
        assertThat(Secrets.maskValue("user", "x")).isEqualTo("x");
        assertThat(Secrets.isSecretKey("consul.token")).isTrue();
        assertThat(Secrets.isSecretKey("consul.agent")).isFalse();
    }
}
