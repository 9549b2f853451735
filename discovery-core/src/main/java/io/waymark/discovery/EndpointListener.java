package io.waymark.discovery;

/** Told of each real change of a name's endpoints (not of every Consul index bump). */
@FunctionalInterface
public interface EndpointListener {

    /**
     * @param endpoints the complete new set; an exception thrown here is logged and
     *     does not keep other listeners from being called
     */
    void onChange(Endpoints endpoints);
}
