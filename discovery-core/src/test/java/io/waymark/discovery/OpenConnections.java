package io.waymark.discovery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/** This JVM's established TCP connections to an address, read from /proc (Linux). */
final class OpenConnections {

    private OpenConnections() {
    }

    static int to(String host, int port) {
        try {
            Set<String> inodes = new HashSet<>();
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                fds.forEach(fd -> {
                    try {
                        String link = Files.readSymbolicLink(fd).toString();
                        if (link.startsWith("socket:[")) {
                            inodes.add(link.substring(8, link.length() - 1));
                        }
                    } catch (IOException e) {
                        // the fd was closed meanwhile
                    }
                });
            }
            byte[] ip = InetAddress.getByName(host).getAddress();
            // /proc/net/tcp shows IPv4 addresses as little-endian hex
            String v4 = String.format(Locale.ROOT, "%02X%02X%02X%02X", ip[3], ip[2], ip[1], ip[0]);
            String portHex = String.format(Locale.ROOT, ":%04X", port);
            // Java's sockets are dual-stack: IPv4 peers show up IPv4-mapped in tcp6
            return count(Path.of("/proc/net/tcp"), v4 + portHex, inodes)
                    + count(Path.of("/proc/net/tcp6"), "0000000000000000FFFF0000" + v4 + portHex, inodes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int count(Path table, String remote, Set<String> inodes) {
        try {
            if (!Files.exists(table)) {
                return 0;
            }
            int count = 0;
            List<String> lines = Files.readAllLines(table);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f[2].equals(remote) && f[3].equals("01") && inodes.contains(f[9])) {
                    count++;
                }
            }
            return count;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Names of live threads that start with {@code prefix}. */
    static List<String> threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(prefix)).sorted().collect(java.util.stream.Collectors.toList());
    }
}
