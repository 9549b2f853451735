package io.waymark.discovery;

/** A registration made by {@link ConsulDiscovery#watch}; closing it stops its calls. */
public interface Watch extends AutoCloseable {

    /** Stops calling the listener. Idempotent; never throws. */
    @Override
    void close();
}
