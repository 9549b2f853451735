package io.waymark.jdbc;

import io.waymark.jdbc.internal.ConsulUrl;
import io.waymark.jdbc.internal.Secrets;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} over {@link ConsulDriver}: set a {@code jdbc:consul:} URL and
 * optionally the user, password and further properties (which go to the delegate driver,
 * except {@code consul.*} ones; URL parameters win over properties for {@code consul.*}).
 *
 * <pre>{@code
 * ConsulDataSource ds = new ConsulDataSource();
 * ds.setUrl("jdbc:consul:mariadb://w-master-mysql-3306/shop?consul.agent=127.0.0.11:8500");
 * ds.setUser("app");
 * ds.setPassword(secret);
 * }</pre>
 *
 * <p>No pooling: each {@link #getConnection()} opens a new connection (discovery clients are
 * shared JVM-wide, see {@link ConsulDriver}). {@link #toString()} masks the password.
 *
 * <p><b>Threading:</b> configure before use; {@code getConnection} may then be called from any
 * thread. Setters are not meant to race with {@code getConnection}.
 */
public class ConsulDataSource implements DataSource {

    private static final ConsulDriver DRIVER = new ConsulDriver();

    private volatile String url;
    private volatile String user;
    private volatile String password;
    private final Properties properties = new Properties();
    private volatile int loginTimeout;
    private volatile PrintWriter logWriter;

    public ConsulDataSource() {
    }

    /**
     * @throws IllegalArgumentException if the URL is not a {@code jdbc:consul:} URL (the full
     *     check happens at {@code getConnection}, where errors are {@link SQLException}s)
     */
    public void setUrl(String url) {
        if (!ConsulUrl.accepts(url)) {
            throw new IllegalArgumentException("url must start with jdbc:consul: : " + Secrets.maskUrl(url));
        }
        this.url = url;
    }

    /** The URL as set (it may carry a password: do not log it). */
    public String getUrl() {
        return url;
    }

    public void setUser(String user) {
        this.user = user;
    }

    public String getUser() {
        return user;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    /** A property for the delegate driver, or a {@code consul.*} parameter. */
    public void setProperty(String name, String value) {
        synchronized (properties) {
            if (value == null) {
                properties.remove(name);
            } else {
                properties.setProperty(name, value);
            }
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        return getConnection(user, password);
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        String u = requireUrl();
        Properties info = new Properties();
        synchronized (properties) {
            info.putAll(properties);
        }
        if (username != null) {
            info.setProperty("user", username);
        }
        if (password != null) {
            info.setProperty("password", password);
        }
        return DRIVER.connect(u, info);
    }

    /**
     * What happened to the connections of this data source's primary service in this JVM (see
     * {@link ConsulDriver#stats(String)}).
     *
     * @throws SQLException when no URL is set or it is not a valid {@code jdbc:consul:} URL
     */
    public JdbcStats stats() throws SQLException {
        return ConsulDriver.stats(requireUrl());
    }

    private String requireUrl() throws SQLException {
        String u = url;
        if (u == null) {
            throw new SQLException("url is not set: call setUrl(\"jdbc:consul:...\") first", "08001");
        }
        return u;
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    /** Recorded for callers that read it back; bound the wait for a primary with {@code consul.failoverTimeout}. */
    @Override
    public void setLoginTimeout(int seconds) {
        this.loginTimeout = seconds;
    }

    @Override
    public int getLoginTimeout() {
        return loginTimeout;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("the jdbc:consul: driver logs through SLF4J, not java.util.logging");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("ConsulDataSource does not wrap a " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public String toString() {
        return "ConsulDataSource[" + (url == null ? "no url" : Secrets.maskUrl(url))
                + (user == null ? "" : ", user=" + user) + (password == null ? "" : ", password=****") + "]";
    }
}
