package io.waymark.testkit.internal;

import com.github.dockerjava.api.DockerClient;

/** Test access to {@link Docker#sweepOrphans}. */
public final class DockerSweep {

    private DockerSweep() {}

    public static void sweep(DockerClient client) {
        Docker.sweepOrphans(client);
    }
}
