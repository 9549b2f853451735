package io.waymark.testkit;

import io.waymark.testkit.internal.Http;

/**
 * How the fixture itself talks to its agents' API: plain HTTP on 8500, or (secured) HTTPS on
 * 8501 with the API client certificate, the management token for reads and ACL administration,
 * and the agent token for registrations.
 *
 * <p>Threading: thread-safe; the management token is published once, after the ACL bootstrap.
 */
final class ConsulAccess {

    static final int HTTP_PORT = 8500;
    static final int HTTPS_PORT = 8501;

    private final Http http;
    private final String agentToken;
    private volatile String managementToken;

    private ConsulAccess(Http http, String agentToken) {
        this.http = http;
        this.agentToken = agentToken;
    }

    static ConsulAccess plain() {
        return new ConsulAccess(Http.PLAIN, null);
    }

    /** HTTPS through {@code http}; every agent is configured with {@code agentToken}. */
    static ConsulAccess secured(Http http, String agentToken) {
        return new ConsulAccess(http, agentToken);
    }

    boolean isSecured() {
        return agentToken != null;
    }

    Http http() {
        return http;
    }

    int port() {
        return isSecured() ? HTTPS_PORT : HTTP_PORT;
    }

    /** The agent token's secret; null in a plain cluster. */
    String agentToken() {
        return agentToken;
    }

    /** The bootstrap token's secret once bootstrapped; null before and in a plain cluster. */
    String managementToken() {
        return managementToken;
    }

    void managementToken(String secret) {
        this.managementToken = secret;
    }

    @Override
    public String toString() {
        // never the tokens
        return "ConsulAccess[" + (isSecured() ? "https " : "http ") + port() + "]";
    }
}
