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
            // MySQL URLs separate parameters by '&' only: a ';' belongs to the value
            assertThat(Secrets.maskUrl("jdbc:x://h/db;password=p;user=u")).isEqualTo("jdbc:x://h/db;password=****");
            assertThat(Secrets.maskUrl("jdbc:x://h/db?password=a;b&user=u")).isEqualTo("jdbc:x://h/db?password=****&user=u");
        }

        @Test
        void decodesParameterNamesBeforeMatching() {
            assertThat(Secrets.maskUrl("jdbc:consul:mysql://db/shop?pass%77ord=hunter2&user=app"))
                    .isEqualTo("jdbc:consul:mysql://db/shop?pass%77ord=****&user=app");
            assertThat(Secrets.maskUrl("jdbc:consul:mysql://db/shop?consul%2Etok%65n=t0p"))
                    .isEqualTo("jdbc:consul:mysql://db/shop?consul%2Etok%65n=****");
            assertThat(Secrets.isSecretKey("pass%77ord")).isTrue();
        }

        @Test
        void masksEverythingBetweenTheSlashesAndTheLastAtOfTheAuthority() {
            assertThat(Secrets.maskUrl("jdbc:consul:mysql://app:pa/ss@svc/shop")).isEqualTo("jdbc:consul:mysql://****@svc/shop");
            assertThat(Secrets.maskUrl("jdbc:consul:mysql://app:pa?ss@svc/shop")).isEqualTo("jdbc:consul:mysql://****@svc/shop");
            assertThat(Secrets.maskUrl("jdbc:consul:mysql://app:p@ss@svc/shop")).isEqualTo("jdbc:consul:mysql://****@svc/shop");
            assertThat(Secrets.maskUrl("jdbc:consul:mysql://app:pa#ss@svc")).isEqualTo("jdbc:consul:mysql://****@svc");
        }

        @Test
        void masksCredentialsInsideParameterValues() {
            assertThat(Secrets.maskUrl("jdbc:consul:mysql://svc/shop?consul.agent=https://u:pw@h:8500&user=app"))
                    .isEqualTo("jdbc:consul:mysql://svc/shop?consul.agent=https://****@h:8500&user=app");
        }

        @Test
        void readsWhatCannotBeToldFromAValidUrlAsThatUrl() {
            // a host "app", a port 12 and a parameter x: a password here must be percent-encoded
            assertThat(Secrets.maskUrl("jdbc:consul:mysql://app:12?x=y@db/shop"))
                    .isEqualTo("jdbc:consul:mysql://app:12?x=y@db/shop");
        }

        @Test
        void leavesAnAtInAParameterValueAlone() {
            // Azure Database for MySQL wants user@server names
            String url = "jdbc:consul:mysql://svc:3306/shop?consul.agent=127.0.0.1:8500&user=app@mydemoserver";
            assertThat(Secrets.maskUrl(url)).isEqualTo(url);
        }

        @Test
        void masksUserInfoPasswords() {
            assertThat(Secrets.maskUrl("jdbc:consul:mysql://app:hunter2@db/shop"))
                    .isEqualTo("jdbc:consul:mysql://****@db/shop");
        }

        @Test
        void leavesOtherUrlsAlone() {
            String url = "jdbc:consul:mysql://w-master/shop?consul.agent=127.0.0.11:8500&user=app";
            assertThat(Secrets.maskUrl(url)).isEqualTo(url);
            assertThat(Secrets.maskUrl(null)).isEqualTo("null");
        }
    }

    /**
     * Generated passwords made of letter runs joined by URL-special characters, written into every
     * place a URL takes one: no letter run may show in a masked URL, a parsed URL's
     * {@code toString()}, or the message of a failed parse.
     */
    @Nested
    class GeneratedPasswords {

        private static final String SPECIAL = ":/?#[]@!$&'()*+,;=% \"<>{}|^`~";
        private final java.util.Random random = new java.util.Random(20260110L);

        private String run() {
            StringBuilder sb = new StringBuilder();
            int n = 5 + random.nextInt(4);
            for (int i = 0; i < n; i++) {
                sb.append((char) ((random.nextBoolean() ? 'a' : 'A') + random.nextInt(26)));
            }
            return sb.toString();
        }

        /** Letter runs, each followed by 1-2 special characters; every special character appears over the cases. */
        private String password(java.util.List<String> runs, String allowed) {
            StringBuilder sb = new StringBuilder();
            int parts = 1 + random.nextInt(4);
            for (int i = 0; i < parts; i++) {
                String r = run();
                runs.add(r);
                sb.append(r);
                for (int k = 0, m = 1 + random.nextInt(2); k < m; k++) {
                    sb.append(allowed.charAt(random.nextInt(allowed.length())));
                }
            }
            return sb.toString();
        }

        private void assertHidden(String text, java.util.List<String> runs, String url) {
            for (String r : runs) {
                assertThat(text).as("%s from %s", text, url).doesNotContain(r);
            }
        }

        private void check(String url, java.util.List<String> runs) {
            assertHidden(Secrets.maskUrl(url), runs, url);
            try {
                assertHidden(ConsulUrl.parse(url, null, name -> null).toString(), runs, url);
            } catch (java.sql.SQLException e) {
                assertHidden(e.getMessage(), runs, url);
            }
            // the same URL with a bad consul.* value: the message shows the masked URL
            try {
                ConsulUrl.parse(url + (url.contains("?") ? "&" : "?") + "consul.mode=carrier-pigeon", null, name -> null);
            } catch (java.sql.SQLException e) {
                assertHidden(e.getMessage(), runs, url);
            }
        }

        @Test
        void noneShowsWhereverItIsWritten() {
            for (int i = 0; i < 3000; i++) {
                java.util.List<String> runs = new java.util.ArrayList<>();
                String raw = password(runs, SPECIAL);
                // in a query value a raw '&' ends the value: what follows is another parameter
                String rawNoAmp = password(runs, SPECIAL.replace("&", ""));
                String encoded = java.net.URLEncoder.encode(password(runs, SPECIAL), java.nio.charset.StandardCharsets.UTF_8);
                String token = password(runs, SPECIAL);
                check("jdbc:consul:mysql://app:" + raw + "@svc/shop", runs);
                check("jdbc:consul:mysql://app:" + encoded + "@svc/shop?user=x@corp", runs);
                check("jdbc:consul:mariadb://:" + raw + "@svc:3306/shop?consul.agent=127.0.0.1:8500", runs);
                check("jdbc:consul:mysql://svc/shop?user=app&password=" + rawNoAmp + "&useSSL=false", runs);
                check("jdbc:consul:mysql://svc/shop?user=app&pass%77ord=" + encoded, runs);
                check("jdbc:consul:mysql://svc/shop?consul.token=" + java.net.URLEncoder.encode(token,
                        java.nio.charset.StandardCharsets.UTF_8) + "&trustCertificateKeyStorePassword=" + rawNoAmp, runs);
                check("jdbc:consul:mysql://svc/shop?consul.agent=https://u:" + rawNoAmp + "@h:8500", runs);
            }
        }
    }

    @Test
    void masksTheValuesOfSecretKeysOnly() {
        assertThat(Secrets.maskValue("password", "x")).isEqualTo("****");
        assertThat(Secrets.maskValue("user", "x")).isEqualTo("x");
        assertThat(Secrets.isSecretKey("consul.token")).isTrue();
        assertThat(Secrets.isSecretKey("consul.agent")).isFalse();
    }
}
