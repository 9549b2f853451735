package io.waymark.jdbc;

/** Unplanned primary failures over the mariadb delegate ({@code jdbc:consul:mariadb:}). */
class MariaDbPrimaryFailureIT extends AbstractPrimaryFailureIT {

    @Override
    String subprotocol() {
        return "mariadb";
    }
}
