package io.waymark.discovery;

/**
 * Consul could not answer for a name of which nothing is known yet. Never thrown for a
 * name that resolved once: those keep their last known endpoints, marked stale.
 */
public class DiscoveryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DiscoveryException(String message) {
        super(message);
    }

    public DiscoveryException(String message, Throwable cause) {
        super(message, cause);
    }
}
