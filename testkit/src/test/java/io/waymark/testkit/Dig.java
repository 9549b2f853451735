package io.waymark.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A-record lookups against a Consul agent's DNS interface through dig (dnsutils). */
final class Dig {

    private Dig() {}

    static List<String> a(InetSocketAddress dns, String name) {
        try {
            Process p = new ProcessBuilder("dig", "+short", "+time=2", "+tries=1",
                    "@" + dns.getHostString(), "-p", String.valueOf(dns.getPort()), name, "A")
                    .redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("dig timed out");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("dig failed: " + out);
            }
            return Arrays.stream(out.split("\n")).map(String::trim).filter(s -> !s.isEmpty()).sorted()
                    .toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
