package io.waymark.discovery;

import java.io.IOException;
import java.time.Duration;

/**
 * The child JVM of {@code EnvironmentIT}: a discovery built with no option at all, so that
 * everything comes from Consul's environment variables. Prints {@code RESOLVED <addresses>},
 * then {@code WATCH <addresses>} at each change of {@code args[0]}, and ends when its standard
 * input closes (the parent's way to stop it), or prints {@code FAILED <message>} and exits 1.
 */
public final class EnvironmentChild {

    private EnvironmentChild() {
    }

    public static void main(String[] args) throws IOException {
        try (ConsulDiscovery d = ConsulDiscovery.builder().resolveTimeout(Duration.ofSeconds(20)).build()) {
            System.out.println("RESOLVED " + Recorder.addresses(d.resolve(args[0])));
            d.watch(args[0], e -> System.out.println("WATCH " + Recorder.addresses(e)));
            while (System.in.read() >= 0) {
                // until the parent closes our input
            }
        } catch (RuntimeException e) {
            System.out.println("FAILED " + e.getMessage());
            System.exit(1);
        }
    }
}
