package io.waymark.testkit;

import io.waymark.testkit.internal.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hands out 127.0.0.x addresses, one per simulated host, so that every host can use its server's
 * standard ports. An address is held through a file lock under {@value #LOCK_DIR}, so fixtures in
 * concurrent JVMs (other test runs on the same machine) never share one; inside one JVM a
 * registry does the same. Dynamic leases come from 127.0.0.{@value #POOL_FIRST} to
 * 127.0.0.{@value #POOL_LAST}; fixed addresses (the seed's) are waited for.
 *
 * <p>Threading: thread-safe.
 */
public final class LoopbackAddresses {

    /** Where the per-address lock files live (shared by all JVMs on the machine). */
    public static final String LOCK_DIR = "/tmp/waymark-testkit-locks";

    static final int POOL_FIRST = 100;
    static final int POOL_LAST = 250;

    private static final ConcurrentHashMap<String, Lease> HELD = new ConcurrentHashMap<>();

    private LoopbackAddresses() {}

    /**
     * Leases a free address of the dynamic pool on which every port of {@code ports} is bindable
     * (TCP and UDP).
     *
     * @throws IllegalStateException when the whole pool is taken
     */
    public static Lease acquire(int... ports) {
        checkPorts(ports);
        int size = POOL_LAST - POOL_FIRST + 1;
        // a random start spreads concurrent JVMs over the pool instead of racing for the same lock
        int offset = ThreadLocalRandom.current().nextInt(size);
        for (int k = 0; k < size; k++) {
            String address = "127.0.0." + (POOL_FIRST + (offset + k) % size);
            Lease lease = tryLock(address);
            if (lease != null) {
                if (bindable(address, ports)) {
                    return lease;
                }
                lease.close();
            }
        }
        throw new IllegalStateException("no free loopback address in 127.0.0." + POOL_FIRST + "-"
                + POOL_LAST + " with ports " + Arrays.toString(ports) + " bindable");
    }

    /**
     * Leases the fixed {@code address}, waiting up to {@code wait} while another fixture (in this or
     * another JVM) holds it or its ports are still bound.
     */
    public static Lease acquire(String address, Duration wait, int... ports) {
        requireLoopback(address);
        checkPorts(ports);
        Checks.nonNegative("wait", wait);
        Lease[] got = new Lease[1];
        Poll.until(
                wait,
                Duration.ofMillis(200),
                () -> {
                    Lease lease = tryLock(address);
                    if (lease == null) {
                        return false;
                    }
                    if (!bindable(address, ports)) {
                        lease.close();
                        return false;
                    }
                    got[0] = lease;
                    return true;
                },
                () -> {
                    int busy = firstUnbindable(address, ports);
                    return busy > 0
                            ? "port " + busy + " on " + address + " is in use: stop what listens there (ss -ltnp "
                                    + "'sport = :" + busy + "') or give the fixture another port or address"
                            : "loopback address " + address + " is held by another fixture (lock in " + LOCK_DIR
                                    + "); it is released when that fixture closes";
                });
        return got[0];
    }

    /** Whether {@code address} is a 127.0.0.0/8 literal. */
    static void requireLoopback(String address) {
        if (address == null || !address.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
            throw new IllegalArgumentException("address must be a 127.x.y.z loopback literal: " + address);
        }
    }

    private static void checkPorts(int[] ports) {
        for (int p : ports) {
            Checks.inRange("port", p, 1, 65535);
        }
    }

    private static Lease tryLock(String address) {
        Lease fresh = new Lease(address);
        if (HELD.putIfAbsent(address, fresh) != null) {
            return null;
        }
        try {
            Files.createDirectories(Path.of(LOCK_DIR));
            FileChannel ch = FileChannel.open(Path.of(LOCK_DIR, address + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            if (lock == null) {
                ch.close();
                HELD.remove(address, fresh);
                return null;
            }
            fresh.channel = ch;
            return fresh;
        } catch (RuntimeException e) {
            HELD.remove(address, fresh);
            throw e;
        } catch (IOException e) {
            HELD.remove(address, fresh);
            throw new UncheckedIOException("cannot lock " + address + " under " + LOCK_DIR, e);
        }
    }

    /** The first of {@code ports} not bindable on {@code address}, or 0. */
    private static int firstUnbindable(String address, int[] ports) {
        for (int p : ports) {
            if (!bindable(address, p)) {
                return p;
            }
        }
        return 0;
    }

    static boolean bindable(String address, int... ports) {
        try {
            InetAddress ip = InetAddress.getByName(address);
            for (int port : ports) {
                try (ServerSocket s = new ServerSocket()) {
                    // servers set SO_REUSEADDR too, so TIME_WAIT leftovers do not count as taken
                    s.setReuseAddress(true);
                    s.bind(new InetSocketAddress(ip, port));
                }
                try (DatagramSocket d = new DatagramSocket(null)) {
                    d.bind(new InetSocketAddress(ip, port));
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * An address held by a fixture until {@link #close()}.
     *
     * <p>Threading: thread-safe.
     */
    public static final class Lease implements AutoCloseable {
        private final String address;
        private volatile FileChannel channel;

        private Lease(String address) {
            this.address = address;
        }

        /** The leased 127.0.0.x literal. */
        public String address() {
            return address;
        }

        /** Releases the address; idempotent. */
        @Override
        public synchronized void close() {
            FileChannel ch = channel;
            channel = null;
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException e) {
                    // the lock dies with the channel either way
                }
            }
            HELD.remove(address, this);
        }

        @Override
        public String toString() {
            return "Lease[" + address + "]";
        }
    }
}
