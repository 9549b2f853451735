/** A modular application using Waymark's connectors; the testkit (class path) only starts the servers. */
module waymark.consumer {
    requires io.waymark.redis;
    requires io.waymark.jdbc;
}
