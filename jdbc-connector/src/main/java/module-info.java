/**
 * Waymark's JDBC connector: the {@code jdbc:consul:} driver and
 * {@link io.waymark.jdbc.ConsulDataSource}. Exports the API package only. The delegate driver
 * (MySQL or MariaDB Connector/J) is loaded by class name and needs no {@code requires}: on the
 * module path it is resolved as a {@code java.sql.Driver} provider, as DriverManager finds it.
 */
module io.waymark.jdbc {
    requires transitive java.sql;
    requires transitive io.waymark.discovery;
    requires org.slf4j;

    exports io.waymark.jdbc;
    // MariaDB Connector/J instantiates its socketFactory option, CuttableSocketFactory, by name:
    // without this, every connect() on the module path fails (scripts/check-deploy's modular consumer)
    exports io.waymark.jdbc.internal to org.mariadb.jdbc;

    provides java.sql.Driver with io.waymark.jdbc.ConsulDriver;
}
