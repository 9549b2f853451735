package io.waymark.jdbc.internal;

import java.sql.Driver;
import java.sql.SQLException;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

/** The word after {@code jdbc:consul:}: which driver the connections are delegated to. */
public enum Subprotocol {

    MYSQL("mysql", "com.mysql.cj.jdbc.Driver", "MySQL Connector/J (com.mysql:mysql-connector-j)"),
    MARIADB("mariadb", "org.mariadb.jdbc.Driver", "MariaDB Connector/J (org.mariadb.jdbc:mariadb-java-client)");

    private final String word;
    private final String driverClass;
    private final String artifact;
    private final AtomicReference<Driver> driver = new AtomicReference<>();

    Subprotocol(String word, String driverClass, String artifact) {
        this.word = word;
        this.driverClass = driverClass;
        this.artifact = artifact;
    }

    /** The word as written in URLs, and the delegate's own URL scheme ({@code jdbc:<word>://}). */
    public String word() {
        return word;
    }

    public String driverClass() {
        return driverClass;
    }

    /** The subprotocol for a word, or null. */
    static Subprotocol of(String word) {
        String w = word.toLowerCase(Locale.ROOT);
        for (Subprotocol s : values()) {
            if (s.word.equals(w)) {
                return s;
            }
        }
        return null;
    }

    /**
     * The delegate driver, loaded once. Instantiated directly rather than looked up through
     * {@code DriverManager}, so that no other registered driver can claim the delegate URL.
     */
    public Driver driver() throws SQLException {
        Driver d = driver.get();
        if (d != null) {
            return d;
        }
        Class<?> type = load(Subprotocol.class.getClassLoader());
        if (type == null) {
            type = load(Thread.currentThread().getContextClassLoader());
        }
        if (type == null) {
            throw new SQLException("jdbc:consul:" + word + ": URLs need " + artifact + " on the classpath, but "
                    + driverClass + " was not found", "08001");
        }
        try {
            d = (Driver) type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new SQLException("jdbc:consul:" + word + ": could not instantiate " + driverClass + ": " + e, "08001", e);
        }
        return driver.compareAndSet(null, d) ? d : driver.get();
    }

    private Class<?> load(ClassLoader loader) {
        if (loader == null) {
            return null;
        }
        try {
            return Class.forName(driverClass, true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }
}
