package io.waymark.jdbc;

/** The suite over MySQL Connector/J ({@code jdbc:consul:mysql:}) against the same MariaDB. */
class MySqlConnectorIT extends AbstractConsulDriverIT {

    @Override
    String subprotocol() {
        return "mysql";
    }
}
