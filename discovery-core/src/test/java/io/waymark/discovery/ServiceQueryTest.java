package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServiceQueryTest {

    @Nested
    @DisplayName("accepts every form Consul DNS accepts")
    class Forms {

        @ParameterizedTest(name = "{0}")
        @CsvSource({
            // name,                                service, tag,     dc,  prepared, canonical
            "web,                                   web,     ,        ,    false,    web.service.consul",
            "web.service.consul,                    web,     ,        ,    false,    web.service.consul",
            "web.service.consul.,                   web,     ,        ,    false,    web.service.consul",
            "primary.web.service.consul,            web,     primary, ,    false,    primary.web.service.consul",
            "web.service.dc2.consul,                web,     ,        dc2, false,    web.service.dc2.consul",
            "primary.web.service.dc2.consul,        web,     primary, dc2, false,    primary.web.service.dc2.consul",
            "_web._primary.service.consul,          web,     primary, ,    false,    primary.web.service.consul",
            "_web._tcp.service.consul,              web,     ,        ,    false,    web.service.consul",
            "_web._primary.service.dc2.consul.,     web,     primary, dc2, false,    primary.web.service.dc2.consul",
            "geo.query.consul,                      geo,     ,        ,    true,     geo.query.consul",
            "geo.query.dc2.consul,                  geo,     ,        dc2, true,     geo.query.dc2.consul",
            "w-master-redis-8888.service.consul,    w-master-redis-8888, , , false,   w-master-redis-8888.service.consul",
            "Web.Service.CONSUL,                    web,     ,        ,    false,    web.service.consul",
            "my_svc,                                my_svc,  ,        ,    false,    my_svc.service.consul",
        })
        void parses(String name, String service, String tag, String dc, boolean prepared, String canonical) {
            ServiceQuery q = ServiceQuery.parse(name);
            assertThat(q.service()).isEqualTo(service);
            assertThat(q.tag().orElse(null)).isEqualTo(tag);
            assertThat(q.datacenter().orElse(null)).isEqualTo(dc);
            assertThat(q.preparedQuery()).isEqualTo(prepared);
            assertThat(q.toString()).isEqualTo(canonical);
            assertThat(q.dnsName()).isEqualTo(canonical + ".");
        }

        @Test
        @DisplayName("a configured domain, single or multi-label, replaces consul")
        void otherDomain() {
            ServiceQuery q = ServiceQuery.parse("primary.web.service.dc2.example.com", "example.com.");
            assertThat(q.service()).isEqualTo("web");
            assertThat(q.tag()).contains("primary");
            assertThat(q.datacenter()).contains("dc2");
            assertThat(q.domain()).isEqualTo("example.com");
            assertThat(ServiceQuery.parse("web", "example.com").dnsName()).isEqualTo("web.service.example.com.");
            assertThat(ServiceQuery.parse("web.service.internal", "internal").service()).isEqualTo("web");
            assertThatThrownBy(() -> ServiceQuery.parse("web.service.consul", "internal"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown form");
        }

        @Test
        @DisplayName("equal queries are equal whatever the spelling")
        void equality() {
            assertThat(ServiceQuery.parse("web")).isEqualTo(ServiceQuery.parse("WEB.service.consul."))
                    .hasSameHashCodeAs(ServiceQuery.parse("_web._tcp.service.consul"));
            assertThat(ServiceQuery.parse("a.web.service.consul")).isEqualTo(ServiceQuery.parse("_web._a.service.consul"))
                    .isNotEqualTo(ServiceQuery.parse("web"));
            assertThat(ServiceQuery.parse("web.query.consul")).isNotEqualTo(ServiceQuery.parse("web"));
            assertThat(ServiceQuery.parse("web.service.dc2.consul")).isNotEqualTo(ServiceQuery.parse("web"));
        }
    }

    @Nested
    @DisplayName("rejects bad names, quoting them and saying what is wrong")
    class Rejects {

        @ParameterizedTest(name = "''{0}'': {1}")
        @CsvSource(delimiter = '|', value = {
            "web..service.consul          | label 2 is empty",
            ".web                         | label 1 is empty",
            "web service                  | illegal character U+0020 in label 'web service'",
            "web.service.consul..         | label 4 is empty",
            "wéb                          | illegal character U+00E9",
            "web/1                        | illegal character '/'",
            "web.node.consul              | unknown form",
            "web.consul                   | unknown form",
            "service.consul               | unknown form",
            "web.service.dc2.extra.consul | unknown form",
            "a.b.web.service.consul       | too many labels before '.service.'",
            "_web.primary.service.consul  | mixes RFC 2782 labels with plain ones",
            "_web.service.consul          | has no RFC 2782 tag label",
            "_._tag.service.consul        | need a name after the '_'",
            "a.geo.query.consul           | exactly one label before '.query.'",
            "_web                         | must not start with '_'",
            "web.service._dc.consul       | datacenter '_dc' must not start with '_'",
        })
        void rejects(String name, String problem) {
            assertThatThrownBy(() -> ServiceQuery.parse(name))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("invalid Consul name '" + name + "': ")
                    .hasMessageContaining(problem);
        }

        @Test
        void labelTooLong() {
            String label = "a".repeat(64);
            assertThatThrownBy(() -> ServiceQuery.parse(label + ".service.consul"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + label + ".service.consul'")
                    .hasMessageContaining("is 64 characters long, at most 63");
            assertThat(ServiceQuery.parse("a".repeat(63)).service()).hasSize(63);
        }

        @Test
        void nameTooLong() {
            String name = ("a".repeat(60) + ".").repeat(4) + "service.consul";
            assertThatThrownBy(() -> ServiceQuery.parse(name)).hasMessageContaining("at most 253");
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "."})
        void empty(String name) {
            assertThatThrownBy(() -> ServiceQuery.parse(name)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("invalid Consul name '" + name + "'");
        }

        @Test
        void nullName() {
            assertThatThrownBy(() -> ServiceQuery.parse(null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("name");
        }

        @Test
        void badDomain() {
            assertThatThrownBy(() -> ServiceQuery.parse("web", "ex..com"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'ex..com'");
            assertThatThrownBy(() -> ServiceQuery.parse("web", "ex_ample"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'_'");
        }
    }
}
