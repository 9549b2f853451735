package io.waymark.discovery;

/** Consul's read consistency modes for HTTP blocking queries. */
public enum Consistency {
    /** Read from the leader (Consul's default): strongly consistent in practice. */
    DEFAULT,
    /** Any server may answer; bounded by the builder's max staleness ({@code X-Consul-LastContact}). */
    STALE,
    /** The agent's own cache ({@code ?cached}): cheapest, may lag by the cache's age. */
    CACHED
}
