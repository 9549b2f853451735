package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Section;

class DnsClientTest {

    @Test
    @DisplayName("Consul's hex addr targets decode to IPv4 and IPv6 addresses")
    void addrTargets() throws Exception {
        assertThat(DnsClient.fromAddrName(Name.fromString("7f00031f.addr.dc1.consul."))).containsExactly("127.0.3.31");
        assertThat(DnsClient.fromAddrName(Name.fromString("00000000000000000000000000000001.addr.dc1.consul.")))
                .containsExactly("0:0:0:0:0:0:0:1");
        assertThat(DnsClient.fromAddrName(Name.fromString("zz00031f.addr.dc1.consul."))).isEmpty();
        assertThat(DnsClient.fromAddrName(Name.fromString("redis01.node.dc1.consul."))).isEmpty();
    }

    @Test
    @DisplayName("node targets name their node; addr targets none")
    void nodes() throws Exception {
        assertThat(DnsClient.nodeOf(Name.fromString("redis01.node.dc1.consul."))).isEqualTo("redis01");
        assertThat(DnsClient.nodeOf(Name.fromString("7f00031f.addr.dc1.consul."))).isEmpty();
    }

    @Test
    @DisplayName("a target's A record repeated once per SRV answer (two instances, one address) counts once")
    void repeatedAdditionalRecords() throws Exception {
        Name target = Name.fromString("7f000001.addr.dc1.consul.");
        Message m = new Message();
        for (int i = 0; i < 2; i++) {
            m.addRecord(new ARecord(target, DClass.IN, 0, InetAddress.getByName("127.0.0.1")), Section.ADDITIONAL);
        }
        m.addRecord(new ARecord(Name.fromString("7f000002.addr.dc1.consul."), DClass.IN, 0,
                InetAddress.getByName("127.0.0.2")), Section.ADDITIONAL);

        assertThat(DnsClient.addresses(m, target)).containsExactly("127.0.0.1");
    }
}
