package io.waymark.jdbc;

/** Unplanned primary failures over the mysql delegate ({@code jdbc:consul:mysql:}). */
class MySqlPrimaryFailureIT extends AbstractPrimaryFailureIT {

    @Override
    String subprotocol() {
        return "mysql";
    }
}
