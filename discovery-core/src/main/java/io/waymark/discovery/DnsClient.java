package io.waymark.discovery;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Asks a Consul agent's DNS interface. Queries go over TCP, one short connection each:
 * Consul's UDP answers are cut to a few records, and dnsjava's own resolvers keep a
 * selector thread of their own that would outlive {@code close()}.
 *
 * <p>Threading: stateless, thread-safe; calls block for at most the timeout.
 */
final class DnsClient {

    /** What a lookup found, and how long it may be cached (seconds). */
    record Result(List<Endpoint> endpoints, long ttlSeconds) {
    }

    private static final Comparator<Endpoint> ORDER = Comparator.comparing(Endpoint::host)
            .thenComparingInt(Endpoint::port).thenComparing(Endpoint::node);

    private final Duration timeout;

    DnsClient(Duration timeout) {
        this.timeout = timeout;
    }

    /**
     * SRV first (ports and nodes), A/AAAA when there is no SRV answer. Consul shuffles
     * its answers, so endpoints are sorted: a new order is not a change.
     */
    Result lookup(AgentAddress server, String dnsName) throws IOException {
        Name name = name(dnsName);
        Message srv = query(server, name, Type.SRV);
        List<Endpoint> out = new ArrayList<>();
        long ttl = Long.MAX_VALUE;
        for (Record r : srv.getSection(Section.ANSWER)) {
            if (!(r instanceof SRVRecord)) {
                continue;
            }
            SRVRecord s = (SRVRecord) r;
            ttl = Math.min(ttl, s.getTTL());
            List<String> hosts = addresses(srv, s.getTarget());
            if (hosts.isEmpty()) {
                hosts = fromAddrName(s.getTarget());
            }
            if (hosts.isEmpty()) {
                hosts = addressLookup(server, s.getTarget());
            }
            String node = nodeOf(s.getTarget());
            for (String h : hosts) {
                out.add(Endpoint.of(h, s.getPort(), node, List.of(), Map.of()));
            }
        }
        if (out.isEmpty() && srv.getRcode() == Rcode.NOERROR) {
            for (int type : new int[] {Type.A, Type.AAAA}) {
                Message m = query(server, name, type);
                for (Record r : m.getSection(Section.ANSWER)) {
                    String h = address(r);
                    if (h != null) {
                        ttl = Math.min(ttl, r.getTTL());
                        out.add(Endpoint.of(h, 0));
                    }
                }
                if (!out.isEmpty()) {
                    break;
                }
            }
        }
        out.sort(ORDER);
        return new Result(out, ttl == Long.MAX_VALUE ? 0 : ttl);
    }

    private List<String> addressLookup(AgentAddress server, Name target) throws IOException {
        List<String> out = new ArrayList<>();
        for (int type : new int[] {Type.A, Type.AAAA}) {
            for (Record r : query(server, target, type).getSection(Section.ANSWER)) {
                String h = address(r);
                if (h != null) {
                    out.add(h);
                }
            }
            if (!out.isEmpty()) {
                break;
            }
        }
        return out;
    }

    /**
     * The addresses of an SRV target from the additional section. Consul adds the target's
     * A record once per SRV answer, so two instances on one address repeat it: keep each once.
     */
    static List<String> addresses(Message m, Name target) {
        Set<String> out = new LinkedHashSet<>();
        for (Record r : m.getSection(Section.ADDITIONAL)) {
            if (r.getName().equals(target)) {
                String h = address(r);
                if (h != null) {
                    out.add(h);
                }
            }
        }
        return List.copyOf(out);
    }

    private static @Nullable String address(Record r) {
        if (r instanceof ARecord) {
            return ((ARecord) r).getAddress().getHostAddress();
        }
        if (r instanceof AAAARecord) {
            return ((AAAARecord) r).getAddress().getHostAddress();
        }
        return null;
    }

    /** Consul's synthetic targets: {@code 7f00031f.addr.dc1.consul.} holds 127.0.3.31 in hex. */
    static List<String> fromAddrName(Name target) {
        if (target.labels() < 3 || !target.getLabelString(1).equalsIgnoreCase("addr")) {
            return List.of();
        }
        String hex = target.getLabelString(0);
        if (hex.length() != 8 && hex.length() != 32) {
            return List.of();
        }
        byte[] bytes = new byte[hex.length() / 2];
        try {
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
            }
            return List.of(InetAddress.getByAddress(bytes).getHostAddress());
        } catch (NumberFormatException | IOException e) {
            return List.of();
        }
    }

    /** {@code redis01.node.dc1.consul.} names node redis01; an addr target names no node. */
    static String nodeOf(Name target) {
        if (target.labels() >= 3 && target.getLabelString(1).equalsIgnoreCase("node")) {
            return target.getLabelString(0);
        }
        return "";
    }

    private static Name name(String dnsName) throws TextParseException {
        return Name.fromString(dnsName.toLowerCase(Locale.ROOT));
    }

    Message query(AgentAddress server, Name name, int type) throws IOException {
        Message q = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        byte[] wire = q.toWire();
        int millis = Checks.intMillis(timeout);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(server.host(), server.port()), millis);
            socket.setSoTimeout(millis);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeShort(wire.length);
            out.write(wire);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int length = in.readUnsignedShort();
            byte[] answer = new byte[length];
            in.readFully(answer);
            Message m = new Message(answer);
            if (m.getHeader().getID() != q.getHeader().getID()) {
                throw new IOException("DNS answer from " + server + " does not match the query id");
            }
            int rcode = m.getRcode();
            if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
                throw new IOException("DNS server " + server + " answered " + Rcode.string(rcode) + " for " + name
                        + " " + Type.string(type));
            }
            return m;
        }
    }
}
