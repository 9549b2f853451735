package io.waymark.benchmarks.failover.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A client that resolves the write service in Consul DNS (the agent's port 8600) when it
 * (re)connects: resolve, connect to the first A record; on a connection error or a
 * {@code READONLY} reply, resolve again and reconnect if the answer changed. The failing
 * write itself is not retried: the caller sees it.
 */
final class ConsulDnsWriteClient implements WriteClient {

    private final Name name;
    private final int port;
    private final String password;
    private final SimpleResolver resolver;
    private final RedisClient client = RedisClient.create();
    private final AtomicLong resolutions = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private volatile Target current;

    private record Target(String host, StatefulRedisConnection<String, String> connection) {
    }

    ConsulDnsWriteClient(InetSocketAddress dns, String serviceName, int port, String password) {
        try {
            this.name = Name.fromString(serviceName.endsWith(".") ? serviceName : serviceName + ".");
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a DNS name: " + serviceName, e);
        }
        this.port = port;
        this.password = password;
        this.resolver = new SimpleResolver(dns);
        resolver.setTimeout(Duration.ofSeconds(1));
        try {
            reconnect(null);
            if (current == null) {
                throw new IllegalStateException("Consul DNS has no address for " + serviceName);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "Consul DNS on (re)connect + Lettuce";
    }

    @Override
    public long incr(String key) {
        Target t = current;
        if (t == null) {
            reconnect(null);
            t = current;
            if (t == null) {
                throw new IllegalStateException("Consul DNS has no address for " + name);
            }
        }
        try {
            return t.connection().sync().incr(key);
        } catch (RedisCommandExecutionException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("READONLY")) {
                reconnect(t);
            }
            throw e;
        } catch (RedisConnectionException e) {
            reconnect(t);
            throw e;
        }
    }

    /** Resolves again and switches to the answer unless another thread already replaced {@code failed}. */
    @SuppressWarnings("ReferenceEquality") // this very target failed: identity is what is meant
    private synchronized void reconnect(Target failed) {
        if (current != failed) {
            return;
        }
        String host = resolve();
        if (host == null) {
            return;
        }
        Target now = current;
        if (now != null && now.host().equals(host) && now.connection().isOpen()) {
            return; // Consul has not seen the change yet: the old master is all DNS knows
        }
        StatefulRedisConnection<String, String> c =
                client.connect(StringCodec.UTF8, PeerSettings.uri(host, port, password));
        current = new Target(host, c);
        reconnects.incrementAndGet();
        if (now != null) {
            now.connection().closeAsync();
        }
    }

    private String resolve() {
        resolutions.incrementAndGet();
        try {
            Message answer = resolver.send(Message.newQuery(Record.newRecord(name, Type.A, DClass.IN)));
            if (answer.getRcode() != Rcode.NOERROR) {
                return null;
            }
            for (Record r : answer.getSection(Section.ANSWER)) {
                if (r instanceof ARecord a) {
                    return a.getAddress().getHostAddress();
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("Consul DNS query for " + name + " failed", e);
        }
    }

    @Override
    public String note() {
        return "DNS queries " + resolutions.get() + ", connections " + reconnects.get();
    }

    @Override
    public synchronized void close() {
        Target t = current;
        current = null;
        try {
            if (t != null) {
                t.connection().close();
            }
        } finally {
            client.shutdown();
        }
    }
}
