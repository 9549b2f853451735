package io.waymark.jdbc;

/** {@code consul.probeKnownNodes} over the mariadb delegate ({@code jdbc:consul:mariadb:}). */
class MariaDbProbeFailoverIT extends AbstractProbeFailoverIT {

    @Override
    String subprotocol() {
        return "mariadb";
    }
}
