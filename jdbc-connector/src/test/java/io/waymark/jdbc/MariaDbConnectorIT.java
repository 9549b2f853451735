package io.waymark.jdbc;

/** The suite over MariaDB Connector/J ({@code jdbc:consul:mariadb:}). */
class MariaDbConnectorIT extends AbstractConsulDriverIT {

    @Override
    String subprotocol() {
        return "mariadb";
    }
}
