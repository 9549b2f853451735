package io.waymark.testkit;

import java.net.InetSocketAddress;

/**
 * One Consul agent process of a {@link ConsulCluster}, on its own loopback address with Consul's
 * standard ports (HTTP 8500 or, in a secured cluster, HTTPS 8501 only; DNS 8600).
 *
 * <p>Threading: thread-safe; fault controls are serialized per agent.
 */
public interface ConsulAgent extends FaultControls {

    /** The agent's unique node name. */
    String nodeName();

    /** Its 127.0.0.x address (bind and client address). */
    String host();

    /** Whether it is a server. */
    boolean isServer();

    /**
     * "127.0.0.x:8500".
     *
     * @throws IllegalStateException in a secured cluster, which serves no plain HTTP
     */
    String httpAddress();

    /**
     * "127.0.0.x:8501", the HTTPS API of a secured cluster's agent (mTLS: a client certificate is
     * required, see {@link ConsulSecurity}).
     *
     * @throws IllegalStateException in a plain cluster, which serves no HTTPS
     */
    String httpsAddress();

    /** Its DNS interface, port 8600. */
    InetSocketAddress dnsAddress();

    /** Pid of the current (or last) process. */
    long pid();

    /** Graceful stop (SIGTERM); a client agent leaves the cluster, a server does not. */
    @Override
    void stop();

    /** Restarts with the same data dir and config; waits until the agent knows a leader. */
    @Override
    void start();

    /**
     * Registers {@code spec} on this agent ({@code PUT /v1/agent/service/register}; in a secured
     * cluster with the agent token).
     */
    void register(ServiceSpec spec);

    /** Deregisters the service with id {@code serviceId}. */
    void deregister(String serviceId);

    /** Sets a TTL check's status: "passing", "warning" or "critical". */
    void updateTtl(String checkId, String status);
}
