package io.waymark.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.waymark.discovery.ConsulProperty;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConsulUrlTest {

    private static final String SEED = "jdbc:consul:mysql://w-master-mysql-3306.service.consul/shop"
            + "?consul.agent=127.0.0.11:8500&consul.readService=r-slave-mysql-3306.service.consul&user=app&password=s3cr3t";

    private static ConsulUrl parse(String url) throws SQLException {
        return ConsulUrl.parse(url, null, name -> null);
    }

    private static ConsulUrl parse(String url, Properties info) throws SQLException {
        return ConsulUrl.parse(url, info, name -> null);
    }

    private static SQLException failure(String url) {
        return failure(url, null);
    }

    private static SQLException failure(String url, Properties info) {
        try {
            ConsulUrl.parse(url, info, name -> null);
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError("expected a SQLException for " + url);
    }

    @Nested
    class TheSeedUrl {

        @Test
        void picksTheDelegateTheServiceAndTheDatabase() throws SQLException {
            ConsulUrl url = parse(SEED);
            assertThat(url.subprotocol()).isEqualTo(Subprotocol.MYSQL);
            assertThat(url.service()).isEqualTo("w-master-mysql-3306.service.consul");
            assertThat(url.database()).isEqualTo("shop");
            assertThat(url.defaultPort()).isEqualTo(3306);
        }

        @Test
        void takesTheConsulParameters() throws SQLException {
            ConsulUrl url = parse(SEED);
            assertThat(url.discoveryKey().settings()).containsOnly(Map.entry(ConsulProperty.AGENT, "127.0.0.11:8500"));
            assertThat(url.readService()).isEqualTo("r-slave-mysql-3306.service.consul");
            assertThat(url.roleCheck()).isTrue();
            assertThat(url.retryReadOnlyWrites()).isTrue();
            assertThat(url.probeKnownNodes()).isTrue();
            assertThat(url.failoverTimeout()).isEqualTo(Duration.ofSeconds(10));
            assertThat(url.discoveryKey().token()).isNull();
        }

        @Test
        void passesEveryOtherParameterToTheDelegateUnchanged() throws SQLException {
            ConsulUrl url = parse(SEED);
            assertThat(url.delegateQuery()).containsExactly("user=app", "password=s3cr3t");
            assertThat(url.delegateUrl("127.0.0.31", 3306))
                    .isEqualTo("jdbc:mysql://127.0.0.31:3306/shop?user=app&password=s3cr3t");
        }

        @Test
        void masksThePasswordInToString() throws SQLException {
            assertThat(parse(SEED).toString()).doesNotContain("s3cr3t").contains("password=****")
                    .contains("w-master-mysql-3306.service.consul");
        }
    }

    @Nested
    class DelegateUrls {

        @Test
        void mariadbDelegatesToMariadbUrls() throws SQLException {
            ConsulUrl url = parse("jdbc:consul:mariadb://w-master-mysql-3306/shop?useServerPrepStmts=true");
            assertThat(url.subprotocol()).isEqualTo(Subprotocol.MARIADB);
            assertThat(url.delegateUrl("127.0.0.32", 3307))
                    .isEqualTo("jdbc:mariadb://127.0.0.32:3307/shop?useServerPrepStmts=true");
        }

        @Test
        void keepsRawEncodingAndOrderOfDelegateParameters() throws SQLException {
            ConsulUrl url = parse("jdbc:consul:mysql://db/shop?b=%41+x&consul.mode=http&a&c=1=2");
            assertThat(url.delegateUrl("h", 1)).isEqualTo("jdbc:mysql://h:1/shop?b=%41+x&a&c=1=2");
        }

        @Test
        void buildsDelegateUrlsWithoutDatabaseOrParameters() throws SQLException {
            assertThat(parse("jdbc:consul:mysql://db").delegateUrl("10.0.0.1", 3306)).isEqualTo("jdbc:mysql://10.0.0.1:3306/");
            assertThat(parse("jdbc:consul:mysql://db/").delegateUrl("10.0.0.1", 3306)).isEqualTo("jdbc:mysql://10.0.0.1:3306/");
            assertThat(parse("jdbc:consul:mysql://db?consul.mode=http").delegateUrl("10.0.0.1", 3306))
                    .isEqualTo("jdbc:mysql://10.0.0.1:3306/");
        }

        @Test
        void bracketsIpv6Hosts() throws SQLException {
            assertThat(parse("jdbc:consul:mariadb://db/x").delegateUrl("::1", 3306)).isEqualTo("jdbc:mariadb://[::1]:3306/x");
        }

        @Test
        void usesTheUrlPortForEndpointsWithoutOne() throws SQLException {
            ConsulUrl url = parse("jdbc:consul:mysql://db.service.consul:3307/shop");
            assertThat(url.service()).isEqualTo("db.service.consul");
            assertThat(url.defaultPort()).isEqualTo(3307);
            assertThat(url.delegateUrl("10.0.0.1", 0)).isEqualTo("jdbc:mysql://10.0.0.1:3307/shop");
            assertThat(url.delegateUrl("10.0.0.1", 3310)).isEqualTo("jdbc:mysql://10.0.0.1:3310/shop");
        }

        @Test
        void theSubprotocolIsCaseInsensitive() throws SQLException {
            assertThat(parse("jdbc:consul:MariaDB://db").subprotocol()).isEqualTo(Subprotocol.MARIADB);
            assertThat(ConsulUrl.accepts("JDBC:CONSUL:mysql://db")).isTrue();
        }

        @Test
        void userInfoInTheHostPartBecomesProperties() throws SQLException {
            ConsulUrl url = parse("jdbc:consul:mysql://app:p%40ss@db/shop");
            assertThat(url.service()).isEqualTo("db");
            assertThat(url.delegateProperties()).containsEntry("user", "app").containsEntry("password", "p@ss");
            assertThat(url.delegateUrl("h", 1)).isEqualTo("jdbc:mysql://h:1/shop");
            assertThat(url.toString()).doesNotContain("p%40ss").contains("//****@db");
        }
    }

    @Nested
    class ConsulNames {

        @ParameterizedTest
        @ValueSource(strings = {"w-master-mysql-3306", "w-master-mysql-3306.service.consul", "primary.db.service.consul",
            "db.service.dc1.consul", "my-query.query.consul", "db_1", "x", "_db._primary.service.consul",
            "Db.Service.Consul"})
        void acceptsEveryFormConsulDnsTakes(String name) throws SQLException {
            assertThat(parse("jdbc:consul:mysql://" + name + "/shop").service()).isEqualTo(name);
        }

        @ParameterizedTest
        @ValueSource(strings = {"a b", "db..service.consul", ".db", "db!", "db%20x", "db.example.com", "_db",
            "a.b.c.service.consul"})
        void rejectsOtherNames(String name) {
            assertThat(failure("jdbc:consul:mysql://" + name + "/shop").getMessage())
                    .contains("host part").contains("Consul service name").contains("invalid Consul name '" + name + "'");
        }

        @Test
        void rejectsAnEmptyHostPart() {
            assertThat(failure("jdbc:consul:mysql:///shop?password=pw").getMessage())
                    .contains("host part").contains("empty").doesNotContain("=pw");
        }

        @Test
        void rejectsSeveralHosts() {
            assertThat(failure("jdbc:consul:mysql://a,b/shop").getMessage()).contains("exactly one Consul service name")
                    .contains("//a,b/shop");
        }

        @ParameterizedTest
        @ValueSource(strings = {"[::1]", "[::1]:3306", "[fe80::1%25eth0]:3306", "127.0.0.1", "127.0.0.1:3306"})
        void anAddressInsteadOfANameSaysSo(String host) {
            String message = failure("jdbc:consul:mysql://" + host + "/shop").getMessage();
            assertThat(message).contains("host part").contains("Consul service name").contains("not a server address")
                    .contains("jdbc:mysql://").doesNotContain("port");
        }

        @Test
        void aHugeHostPartIsEchoedClipped() {
            String host = "x".repeat(100_000);
            String message = failure("jdbc:consul:mysql://" + host + "/shop").getMessage();
            assertThat(message.length()).isLessThan(2_000);
            assertThat(message).contains("host part").contains("xxxxxxxxxx").contains("100000 characters");
        }

        @Test
        void aFragmentIsRefusedRatherThanJoinedToTheDatabase() {
            assertThat(failure("jdbc:consul:mysql://db/shop#section").getMessage()).contains("'#'").contains("fragment")
                    .contains("%23");
            assertThat(failure("jdbc:consul:mysql://db/shop?useSSL=true#x").getMessage()).contains("fragment");
        }

        @Test
        void anUnencodedSlashInTheHostPartPasswordIsRefusedWithoutShowingIt() {
            for (String url : List.of("jdbc:consul:mysql://app:hunter/two@db/shop", "jdbc:consul:mysql://app:hunter?two@db/shop",
                    "jdbc:consul:mysql://app:12345/hunter@db/shop", "jdbc:consul:mysql://app:hunter#two@db/shop")) {
                String message = failure(url).getMessage();
                assertThat(message).as(url).doesNotContain("hunter").doesNotContain("two").contains("percent-encode");
            }
        }

        @Test
        void anAtInThePasswordIsTakenUpToTheLastAt() throws SQLException {
            ConsulUrl url = parse("jdbc:consul:mysql://app:p@ss@db/shop");
            assertThat(url.service()).isEqualTo("db");
            assertThat(url.delegateProperties()).containsEntry("password", "p@ss");
            assertThat(url.toString()).doesNotContain("p@ss").doesNotContain("ss@");
        }

        @ParameterizedTest
        @ValueSource(strings = {"0", "65536", "abc", "", "-1", "123456"})
        void rejectsBadPorts(String port) {
            assertThat(failure("jdbc:consul:mysql://db:" + port + "/shop").getMessage()).contains("port")
                    .contains("1..65535");
        }

        @Test
        void checksTheReadServiceToo() {
            assertThat(failure("jdbc:consul:mysql://db?consul.readService=a%20b").getMessage())
                    .contains("consul.readService").contains("'a b'").contains("illegal character");
            assertThat(failure("jdbc:consul:mysql://db?consul.readService=").getMessage())
                    .contains("consul.readService").contains("empty");
        }
    }

    @Nested
    class MalformedUrls {

        @ParameterizedTest
        @ValueSource(strings = {"jdbc:consul:mysql", "jdbc:consul:mysql:/db", "jdbc:consul:", "jdbc:consul:mysql//db"})
        void rejectsUrlsWithoutTheSchemeSeparator(String url) {
            assertThat(failure(url).getMessage()).contains("malformed URL")
                    .contains("jdbc:consul:<mysql|mariadb>://<consul service name>");
        }

        @Test
        void rejectsAnUnknownSubprotocol() {
            SQLException e = failure("jdbc:consul:postgresql://db/shop?password=pw");
            assertThat(e.getMessage()).contains("unknown subprotocol 'postgresql'").contains("expected mysql or mariadb")
                    .doesNotContain("=pw");
            assertThat(e.getSQLState()).isEqualTo("08001");
        }

        @Test
        void refusesUrlsOfOtherDrivers() {
            assertThat(ConsulUrl.accepts("jdbc:mysql://db/shop")).isFalse();
            assertThat(ConsulUrl.accepts(null)).isFalse();
            assertThat(failure("jdbc:mysql://db/shop").getMessage()).contains("not a jdbc:consul: URL");
            assertThat(failure(null).getMessage()).contains("url must not be null");
        }

        @Test
        void rejectsBadPercentEncodingWithoutShowingTheValue() {
            assertThat(failure("jdbc:consul:mysql://db?consul.token=ab%zz&password=pw").getMessage())
                    .contains("consul.token").contains("percent-encoding").doesNotContain("ab%zz").doesNotContain("=pw");
        }
    }

    @Nested
    class ParameterValues {

        @Test
        void agentsAreRepeatableAndCommaSeparated() throws SQLException {
            ConsulUrl url = parse("jdbc:consul:mysql://db?consul.agent=127.0.0.11:8500,127.0.0.12"
                    + "&consul.agent=https://consul.example:8501&consul.agent=http://127.0.0.13:8500/");
            assertThat(url.discoveryKey().settings().get(ConsulProperty.AGENT))
                    .isEqualTo("127.0.0.11:8500,127.0.0.12:8500,https://consul.example:8501,127.0.0.13:8500");
        }

        @Test
        void consulsEnvironmentVariablesAreReadOnceIntoTheKeyForWhatTheUrlLeavesUnset() throws SQLException {
            DiscoveryKey none = ConsulUrl.parse("jdbc:consul:mysql://db", null, name -> null).discoveryKey();
            assertThat(none.environment()).isEmpty();
            assertThat(none.agents()).isEqualTo("the default, 127.0.0.1:8500");
            Map<String, String> env = Map.of("CONSUL_HTTP_ADDR", "127.0.0.9:8500", "CONSUL_CACERT", "/etc/ca.pem",
                    "CONSUL_HTTP_TOKEN", "env-t0ken", "CONSUL_NAMESPACE", "", "HOME", "/root");
            DiscoveryKey key = ConsulUrl.parse("jdbc:consul:mysql://db", null, env::get).discoveryKey();
            assertThat(key.environment()).as("Consul's variables that are set, an empty one being unset")
                    .containsOnly(Map.entry("CONSUL_HTTP_ADDR", "127.0.0.9:8500"),
                            Map.entry("CONSUL_CACERT", "/etc/ca.pem"), Map.entry("CONSUL_HTTP_TOKEN", "env-t0ken"));
            assertThat(key.agents()).isEqualTo("CONSUL_HTTP_ADDR=127.0.0.9:8500");
            assertThat(key.token()).isEqualTo("env-t0ken");
            assertThat(key.toString()).contains("CONSUL_CACERT=/etc/ca.pem").contains("CONSUL_HTTP_TOKEN=****")
                    .doesNotContain("env-t0ken");
            assertThat(key).as("another environment, another client").isNotEqualTo(none);
        }

        @ParameterizedTest
        @ValueSource(strings = {"127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1:x", "a b:8500", ":8500", "h:1:2"})
        void rejectsBadAgents(String agent) {
            assertThat(failure("jdbc:consul:mysql://db?consul.agent=" + agent).getMessage()).contains("consul.agent");
        }

        @Test
        void anAgentWithCredentialsIsRefusedWithoutShowingThem() {
            for (String agent : List.of("https://u:hunter2@h:8500", "u:hunter2@h:8500", "http://hunter2@h")) {
                String message = failure("jdbc:consul:mysql://db?consul.agent=" + agent).getMessage();
                assertThat(message).as(agent).contains("consul.agent").contains("credentials").contains("consul.token")
                        .doesNotContain("hunter2");
            }
            Properties info = new Properties();
            info.setProperty("consul.agent", "https://u:hunter2@h:8500");
            assertThat(failure("jdbc:consul:mysql://db", info).getMessage()).doesNotContain("hunter2");
        }

        @Test
        void percentEncodedParameterNamesAreDecodedBeforeMatching() throws SQLException {
            ConsulUrl url = parse("jdbc:consul:mysql://db?consul%2EreadService=r&consul.t%6Fken=t0p&pass%77ord=pw");
            assertThat(url.readService()).isEqualTo("r");
            assertThat(url.discoveryKey().token()).isEqualTo("t0p");
            assertThat(url.delegateQuery()).containsExactly("pass%77ord=pw");
            assertThat(url.toString()).doesNotContain("t0p").doesNotContain("=pw");
            assertThat(parse("jdbc:consul:mysql://db?allowMulti%51ueries=true").retryReadOnlyWrites())
                    .as("multi-statement strings, however the name is written").isFalse();
            assertThat(failure("jdbc:consul:mysql://db?consul.m%6Fde=x&consul.t%6Fken=t0p").getMessage())
                    .contains("consul.mode").doesNotContain("t0p");
        }

        @Test
        void theTokenDefaultsToConsulHttpTokenForEveryConsulClientOfTheUrl() throws SQLException {
            java.util.function.Function<String, String> env = name -> name.equals("CONSUL_HTTP_TOKEN") ? "from-env" : null;
            assertThat(ConsulUrl.parse("jdbc:consul:mysql://db", null, env).discoveryKey().token()).isEqualTo("from-env");
            assertThat(ConsulUrl.parse("jdbc:consul:mysql://db?consul.token=from-url", null, env).discoveryKey().token())
                    .isEqualTo("from-url");
            assertThat(ConsulUrl.parse("jdbc:consul:mysql://db", null, name -> "").discoveryKey().token()).isNull();
        }

        @Test
        void anEmptyAgentInACommaListIsAnError() {
            assertThat(failure("jdbc:consul:mysql://db?consul.agent=127.0.0.1:8500,").getMessage())
                    .contains("consul.agent must be [http://|https://]host[:port]");
        }

        @Test
        void readsEveryConsulParameter() throws SQLException {
            ConsulUrl url = parse("jdbc:consul:mariadb://db/shop?consul.token=t0ken&consul.mode=DNS"
                    + "&consul.dnsAgent=127.0.0.11:8600&consul.resolveTimeout=750ms&consul.failoverTimeout=3s"
                    + "&consul.roleCheck=false&consul.includeWarning=TRUE&consul.retryReadOnlyWrites=false"
                    + "&consul.probeKnownNodes=false");
            DiscoveryKey key = url.discoveryKey();
            assertThat(key.token()).isEqualTo("t0ken");
            assertThat(key.settings()).containsOnly(Map.entry(ConsulProperty.TOKEN, "t0ken"),
                    Map.entry(ConsulProperty.MODE, "DNS"), Map.entry(ConsulProperty.DNS_AGENT, "127.0.0.11:8600"),
                    Map.entry(ConsulProperty.RESOLVE_TIMEOUT, "750ms"),
                    Map.entry(ConsulProperty.INCLUDE_WARNING, "TRUE"));
            assertThat(url.failoverTimeout()).isEqualTo(Duration.ofSeconds(3));
            assertThat(url.roleCheck()).isFalse();
            assertThat(url.retryReadOnlyWrites()).isFalse();
            assertThat(url.probeKnownNodes()).isFalse();
            assertThat(url.delegateQuery()).isEmpty();
            assertThat(key.toString()).doesNotContain("t0ken").contains("consul.token=****");
            assertThat(url.toString()).doesNotContain("t0ken");
        }

        @Test
        void parameterNamesAreCaseInsensitive() throws SQLException {
            assertThat(parse("jdbc:consul:mysql://db?Consul.ReadService=r").readService()).isEqualTo("r");
        }

        @Test
        void unknownConsulParameterListsTheKnownOnes() {
            assertThat(failure("jdbc:consul:mysql://db?consul.agnet=127.0.0.1:8500").getMessage())
                    .contains("unknown parameter 'consul.agnet'").contains("consul.agent").contains("consul.readService");
        }

        @Test
        void refusesANonRepeatableParameterGivenTwice() {
            assertThat(failure("jdbc:consul:mysql://db?consul.mode=http&consul.mode=dns").getMessage())
                    .contains("consul.mode is given more than once");
        }

        @Test
        void rejectsAnUnknownMode() {
            assertThat(failure("jdbc:consul:mysql://db?consul.mode=grpc").getMessage())
                    .contains("consul.mode must be one of http, dns: 'grpc'");
        }

        @Test
        void dnsAgentNeedsDnsModeWhichDiscoverySaysWhenTheClientIsBuilt() throws SQLException {
            DiscoveryKey key = parse("jdbc:consul:mysql://db?consul.dnsAgent=127.0.0.1:8600").discoveryKey();
            assertThatThrownBy(() -> DiscoveryRegistry.build(key)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("dnsAgent").hasMessageContaining("mode DNS only");
        }

        @Test
        void dnsAgentIsReadAsDiscoveryReadsItPort8600UnlessGiven() throws SQLException {
            assertThat(parse("jdbc:consul:mysql://db?consul.mode=dns&consul.dnsAgent=127.0.0.1").discoveryKey()
                    .settings().get(ConsulProperty.DNS_AGENT)).isEqualTo("127.0.0.1:8600");
            assertThat(failure("jdbc:consul:mysql://db?consul.mode=dns&consul.dnsAgent=http://127.0.0.1").getMessage())
                    .contains("consul.dnsAgent must be host[:port], without a scheme");
        }

        @Test
        void takesDurationsInEveryForm() throws SQLException {
            assertThat(parse("jdbc:consul:mysql://db?consul.failoverTimeout=1500").failoverTimeout())
                    .isEqualTo(Duration.ofMillis(1500));
            assertThat(parse("jdbc:consul:mysql://db?consul.failoverTimeout=2m").failoverTimeout())
                    .isEqualTo(Duration.ofMinutes(2));
            assertThat(parse("jdbc:consul:mysql://db?consul.failoverTimeout=PT0.5S").failoverTimeout())
                    .isEqualTo(Duration.ofMillis(500));
            assertThat(parse("jdbc:consul:mysql://db?consul.failoverTimeout=0").failoverTimeout()).isZero();
        }

        @ParameterizedTest
        @ValueSource(strings = {"abc", "-1s", "1.5s", "10 years", "", "PTxS"})
        void rejectsBadDurations(String value) {
            assertThat(failure("jdbc:consul:mysql://db?consul.failoverTimeout=" + value).getMessage())
                    .contains("consul.failoverTimeout must be a duration like 500ms, 2s or 1m");
        }

        @Test
        void resolveTimeoutMustBePositive() {
            assertThat(failure("jdbc:consul:mysql://db?consul.resolveTimeout=0").getMessage())
                    .contains("consul.resolveTimeout must be positive");
        }

        @Test
        void takesOnlyTrueOrFalse() {
            assertThat(failure("jdbc:consul:mysql://db?consul.roleCheck=yes").getMessage())
                    .contains("consul.roleCheck must be true or false: 'yes'");
            assertThat(failure("jdbc:consul:mysql://db?consul.retryReadOnlyWrites=1").getMessage())
                    .contains("consul.retryReadOnlyWrites must be true or false: '1'");
            assertThat(failure("jdbc:consul:mysql://db?consul.probeKnownNodes=on").getMessage())
                    .contains("consul.probeKnownNodes must be true or false: 'on'");
        }

        @Test
        void anEmptyTokenIsAnErrorThatShowsNoValue() {
            assertThat(failure("jdbc:consul:mysql://db?consul.token=").getMessage()).contains("consul.token must not be blank");
        }

        @Test
        void percentEncodedConsulValuesAreDecoded() throws SQLException {
            assertThat(parse("jdbc:consul:mysql://db?consul.token=a%2Bb+c").discoveryKey().token()).isEqualTo("a+b+c");
            assertThat(failure("jdbc:consul:mysql://db?consul.token=s3cr%C3%A9t").getMessage())
                    .as("a token is visible ASCII, as Consul's are").contains("consul.token must be visible ASCII")
                    .doesNotContain("s3cr");
        }
    }

    @Nested
    class DiscoverySettings {

        /** A valid value of every discovery setting: a setting added to discovery fails this test until it has one. */
        private static final Map<ConsulProperty, String> SAMPLES = new java.util.EnumMap<>(Map.ofEntries(
                Map.entry(ConsulProperty.AGENT, "https://127.0.0.12:8501"), Map.entry(ConsulProperty.HTTPS, "true"),
                Map.entry(ConsulProperty.TOKEN, "t0k3n-s3cret"),
                Map.entry(ConsulProperty.TOKEN_FILE, "/run/secrets/consul-token"),
                Map.entry(ConsulProperty.CA_CERT, "/etc/consul/ca.pem"), Map.entry(ConsulProperty.CA_PATH, "/etc/ca"),
                Map.entry(ConsulProperty.TRUST_STORE, "/etc/consul/trust.p12"),
                Map.entry(ConsulProperty.TRUST_STORE_PASSWORD, "tru5t-s3cret"),
                Map.entry(ConsulProperty.CLIENT_CERT, "/etc/consul/cli.pem"),
                Map.entry(ConsulProperty.CLIENT_KEY, "/etc/consul/cli-key.pem"),
                Map.entry(ConsulProperty.KEY_STORE, "/etc/consul/key.p12"),
                Map.entry(ConsulProperty.KEY_STORE_PASSWORD, "k3y-s3cret"),
                Map.entry(ConsulProperty.TLS_SERVER_NAME, "server.dc1.consul"),
                Map.entry(ConsulProperty.VERIFY_HOSTNAME, "false"), Map.entry(ConsulProperty.TLS_VERIFY, "false"),
                Map.entry(ConsulProperty.NAMESPACE, "team-a"), Map.entry(ConsulProperty.PARTITION, "part-b"),
                Map.entry(ConsulProperty.MODE, "dns"), Map.entry(ConsulProperty.DNS_AGENT, "127.0.0.12:8600"),
                Map.entry(ConsulProperty.CONSISTENCY, "stale"), Map.entry(ConsulProperty.INCLUDE_WARNING, "true"),
                Map.entry(ConsulProperty.RESOLVE_TIMEOUT, "2s"), Map.entry(ConsulProperty.REQUEST_TIMEOUT, "3s"),
                Map.entry(ConsulProperty.BLOCKING_WAIT, "1m"), Map.entry(ConsulProperty.POLL_INTERVAL, "2s"),
                Map.entry(ConsulProperty.IDLE_WATCH_TIMEOUT, "5m"), Map.entry(ConsulProperty.MAX_WATCHES, "50"),
                Map.entry(ConsulProperty.AGENT_PROBE_INTERVAL, "1s"), Map.entry(ConsulProperty.MAX_STALENESS, "5s"),
                Map.entry(ConsulProperty.DOMAIN, "example")));

        @Test
        void everyDiscoverySettingIsAConsulParameterAndPartOfTheSharedKeySecretsMasked() throws SQLException {
            assertThat(SAMPLES.keySet()).containsExactlyInAnyOrder(ConsulProperty.values());
            DiscoveryKey base = parse("jdbc:consul:mysql://db").discoveryKey();
            for (Map.Entry<ConsulProperty, String> e : SAMPLES.entrySet()) {
                String name = "consul." + e.getKey().key();
                ConsulUrl url = parse("jdbc:consul:mysql://db/shop?" + name + "=" + e.getValue() + "&user=app");
                DiscoveryKey key = url.discoveryKey();
                assertThat(key.settings()).as(name).containsOnly(Map.entry(e.getKey(), e.getValue()));
                assertThat(key).as(name).isNotEqualTo(base);
                assertThat(url.delegateQuery()).as(name).containsExactly("user=app");
                if (e.getKey().secret()) {
                    assertThat(key.toString()).as(name).contains(name + "=****").doesNotContain(e.getValue());
                    assertThat(url.toString()).as(name).doesNotContain(e.getValue());
                } else {
                    assertThat(key.toString()).as(name).contains(name + "=" + e.getValue());
                }
            }
        }

        @Test
        void namesMatchAsDiscoveryMatchesThemIgnoringCaseDashesAndUnderscores() throws SQLException {
            for (String name : List.of("consul.caCert", "consul.ca-cert", "Consul.CA_CERT", "consul.cacert")) {
                assertThat(parse("jdbc:consul:mysql://db?" + name + "=/etc/ca.pem").discoveryKey().settings())
                        .as(name).containsOnly(Map.entry(ConsulProperty.CA_CERT, "/etc/ca.pem"));
            }
            assertThat(failure("jdbc:consul:mysql://db?consul.caCert=/a.pem&consul.ca-cert=/b.pem").getMessage())
                    .contains("consul.caCert is given more than once");
        }

        @Test
        void aDiscoverySettingInTheUrlWinsOverTheSameInTheProperties() throws SQLException {
            Properties info = new Properties();
            info.setProperty("consul.tokenFile", "/from/properties");
            info.setProperty("consul.tlsServerName", "server.dc1.consul");
            assertThat(parse("jdbc:consul:mysql://db?consul.tokenFile=/from/url", info).discoveryKey().settings())
                    .containsOnly(Map.entry(ConsulProperty.TOKEN_FILE, "/from/url"),
                            Map.entry(ConsulProperty.TLS_SERVER_NAME, "server.dc1.consul"));
        }

        @Test
        void aBadValueIsRefusedByDiscoverysParserNamingTheParameterNeverASecret() {
            SQLException https = failure("jdbc:consul:mysql://db?consul.https=yes");
            assertThat(https.getMessage()).isEqualTo("consul.https must be true or false: 'yes'");
            assertThat(https.getSQLState()).isEqualTo("08001");
            assertThat(failure("jdbc:consul:mysql://db?consul.clientKey=").getMessage())
                    .startsWith("consul.clientKey must be a file path");
            assertThat(failure("jdbc:consul:mysql://db?consul.tlsServerName=a%20b").getMessage())
                    .startsWith("consul.tlsServerName must be a host name");
            assertThat(failure("jdbc:consul:mysql://db?consul.blockingWait=1h").getMessage())
                    .contains("consul.blockingWait must be in 1s..10m");
            assertThat(failure("jdbc:consul:mysql://db?consul.token=s3cr%0At&password=pw").getMessage())
                    .startsWith("consul.token must be visible ASCII").doesNotContain("s3cr").doesNotContain("=pw");
        }

        @Test
        void propertyInfoDescribesEverySettingAndMasksSecrets() {
            Properties info = new Properties();
            info.setProperty("consul.trustStorePassword", "tru5t-s3cret");
            info.setProperty("consul.caCert", "/etc/ca.pem");
            java.sql.DriverPropertyInfo[] props = ConsulUrl.propertyInfo(info);
            assertThat(java.util.Arrays.stream(props).map(p -> p.name)).containsAll(ConsulParameters.names());
            assertThat(props).hasSize(ConsulParameters.names().size())
                    .allMatch(p -> p.description != null && !p.description.isBlank());
            assertThat(java.util.Arrays.stream(props).map(p -> p.value)).contains("/etc/ca.pem", "****")
                    .doesNotContain("tru5t-s3cret");
        }

        @Test
        void noParameterOfThisDriverShadowsADiscoverySetting() {
            assertThat(ConsulParameters.ALL).allSatisfy(p -> assertThat(ConsulProperty.find(p.name())).as(p.name())
                    .isEmpty());
        }
    }

    @Nested
    class ConnectionProperties {

        @Test
        void consulPropertiesAreTakenAndOthersPassed() throws SQLException {
            Properties info = new Properties();
            info.setProperty("consul.readService", "replicas");
            info.setProperty("consul.agent", "127.0.0.11:8500,127.0.0.12:8500");
            info.setProperty("user", "app");
            info.setProperty("password", "pw");
            ConsulUrl url = parse("jdbc:consul:mysql://db/shop", info);
            assertThat(url.readService()).isEqualTo("replicas");
            assertThat(url.discoveryKey().settings().get(ConsulProperty.AGENT)).isEqualTo("127.0.0.11:8500,127.0.0.12:8500");
            assertThat(url.delegateProperties()).containsOnly(Map.entry("user", "app"), Map.entry("password", "pw"));
        }

        @Test
        void theUrlWinsOverProperties() throws SQLException {
            Properties info = new Properties();
            info.setProperty("consul.readService", "from-properties");
            assertThat(parse("jdbc:consul:mysql://db?consul.readService=from-url", info).readService()).isEqualTo("from-url");
        }

        @Test
        void badConsulPropertiesAreErrorsToo() {
            Properties info = new Properties();
            info.setProperty("consul.mode", "udp");
            assertThat(failure("jdbc:consul:mysql://db", info).getMessage()).contains("consul.mode must be one of http, dns");
        }

        @Test
        void delegatePropertiesAreACopy() throws SQLException {
            ConsulUrl url = parse("jdbc:consul:mysql://db");
            url.delegateProperties().setProperty("x", "y");
            assertThat(url.delegateProperties()).isEmpty();
        }
    }

    @Nested
    class TheParameterTable {

        @Test
        void theReadmeShowsExactlyTheParameterTable() throws java.io.IOException {
            String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
            assertThat(readme).as("jdbc-connector/README.md: paste ConsulParameters.markdownTable()")
                    .contains(ConsulParameters.markdownTable());
        }

        @Test
        void everyParameterHasADefaultAndAMeaning() {
            assertThat(ConsulParameters.ALL).allSatisfy(p -> {
                assertThat(p.name()).startsWith("consul.");
                assertThat(p.defaultText()).isNotBlank();
                assertThat(p.meaning()).isNotBlank();
                assertThat(p.description()).doesNotContain("`");
            });
        }
    }

    @Nested
    class SharedDiscovery {

        @Test
        void sameAgentsTokenAndModeGiveEqualKeys() throws SQLException {
            DiscoveryKey a = parse("jdbc:consul:mysql://a/x?consul.agent=127.0.0.11:8500&consul.token=t").discoveryKey();
            DiscoveryKey b = parse("jdbc:consul:mariadb://b/y?consul.token=t&consul.agent=127.0.0.11:8500"
                    + "&consul.readService=r&consul.roleCheck=false").discoveryKey();
            assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        }

        @Test
        void differentAgentsTokensOrModesGiveDifferentKeys() throws SQLException {
            DiscoveryKey base = parse("jdbc:consul:mysql://a?consul.agent=127.0.0.11:8500").discoveryKey();
            for (String other : List.of("consul.agent=127.0.0.12:8500", "consul.agent=127.0.0.11:8500&consul.token=t",
                    "consul.agent=127.0.0.11:8500&consul.mode=dns", "consul.agent=127.0.0.11:8500,127.0.0.12:8500")) {
                assertThat(parse("jdbc:consul:mysql://a?" + other).discoveryKey()).as(other).isNotEqualTo(base);
            }
        }
    }
}
