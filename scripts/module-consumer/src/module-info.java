/** A modular application using Waymark's connectors; the testkit (class path) only starts the servers. */
module waymark.consumer {
    requires io.waymark.redis;
    requires io.waymark.jdbc;
    // Main asks ServiceLoader for the JDBC drivers itself (DriverManager needs no uses clause here)
    uses java.sql.Driver;
}
