package io.waymark.jdbc;

/** {@code consul.probeKnownNodes} over the mysql delegate ({@code jdbc:consul:mysql:}). */
class MySqlProbeFailoverIT extends AbstractProbeFailoverIT {

    @Override
    String subprotocol() {
        return "mysql";
    }
}
