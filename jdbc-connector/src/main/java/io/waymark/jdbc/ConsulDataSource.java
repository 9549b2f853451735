package io.waymark.jdbc;

import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.ConsulProperty;
import io.waymark.jdbc.internal.ConsulUrl;
import io.waymark.jdbc.internal.Secrets;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

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
 * <p>The connection to Consul has a setter per setting ({@link #setAgent}, {@link #setCaCert},
 * {@link #setClientCert}, {@link #setClientKey}, {@link #setTokenFile}, {@link #setTlsServerName},
 * ...), each the URL's {@code consul.<name>} parameter (which wins over it), so that a pool's
 * bean-style properties reach them: with HikariCP, {@code dataSourceClassName} this class and
 * {@code dataSource.url}, {@code dataSource.caCert}, {@code dataSource.tokenFile}... Every other
 * setting goes through {@link #setProperty}. Values are checked by discovery's parser when set
 * ({@link IllegalArgumentException} naming the parameter, never a secret); files are read when
 * the first connection builds the discovery client. HikariCP logs data source properties at
 * DEBUG level with only {@code password} masked: give it a {@code tokenFile}, not a
 * {@code token}.
 *
 * <pre>{@code
 * HikariConfig config = new HikariConfig();
 * config.setDataSourceClassName(ConsulDataSource.class.getName());
 * config.addDataSourceProperty("url", "jdbc:consul:mariadb://w-master-mysql-3306/shop");
 * config.addDataSourceProperty("agent", "https://127.0.0.11:8501");
 * config.addDataSourceProperty("caCert", "/etc/consul/consul-agent-ca.pem");
 * config.addDataSourceProperty("clientCert", "/etc/consul/dc1-cli-consul-0.pem");
 * config.addDataSourceProperty("clientKey", "/etc/consul/dc1-cli-consul-0-key.pem");
 * config.addDataSourceProperty("tokenFile", "/run/secrets/consul-token");
 * }</pre>
 *
 * <p>No pooling: each {@link #getConnection()} opens a new connection (discovery clients are
 * shared JVM-wide, see {@link ConsulDriver}). {@link #toString()} masks the password.
 *
 * <p><b>Threading:</b> configure before use; {@code getConnection} may then be called from any
 * thread. Setters are not meant to race with {@code getConnection}.
 */
public class ConsulDataSource implements DataSource {

    private volatile @Nullable String url;
    private volatile @Nullable String user;
    private volatile @Nullable String password;
    private final Properties properties = new Properties();
    private volatile int loginTimeout;
    private volatile @Nullable PrintWriter logWriter;

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
    public @Nullable String getUrl() {
        return url;
    }

    public void setUser(String user) {
        this.user = user;
    }

    public @Nullable String getUser() {
        return user;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    /** Consul agents' HTTP API: {@code consul.agent} (several comma-separated; default {@code CONSUL_HTTP_ADDR}). */
    public void setAgent(String agents) {
        setConsul(ConsulProperty.AGENT, agents);
    }

    /** Agents given without a scheme use https: {@code consul.https}, true or false ({@code CONSUL_HTTP_SSL}). */
    public void setHttps(String https) {
        setConsul(ConsulProperty.HTTPS, https);
    }

    /** The ACL token: {@code consul.token} ({@code CONSUL_HTTP_TOKEN}); prefer {@link #setTokenFile}. Never shown. */
    public void setToken(String token) {
        setConsul(ConsulProperty.TOKEN, token);
    }

    /** A file holding the ACL token, read again when it changes: {@code consul.tokenFile} ({@code CONSUL_HTTP_TOKEN_FILE}). */
    public void setTokenFile(String path) {
        setConsul(ConsulProperty.TOKEN_FILE, path);
    }

    /** A PEM file of the CA certificates to trust: {@code consul.caCert} ({@code CONSUL_CACERT}). */
    public void setCaCert(String path) {
        setConsul(ConsulProperty.CA_CERT, path);
    }

    /** A directory of PEM files of the CA certificates to trust: {@code consul.caPath} ({@code CONSUL_CAPATH}). */
    public void setCaPath(String path) {
        setConsul(ConsulProperty.CA_PATH, path);
    }

    /** A PKCS #12 or JKS file of the certificates to trust: {@code consul.trustStore}. */
    public void setTrustStore(String path) {
        setConsul(ConsulProperty.TRUST_STORE, path);
    }

    /** The trust store's password: {@code consul.trustStorePassword}. Never shown. */
    public void setTrustStorePassword(String password) {
        setConsul(ConsulProperty.TRUST_STORE_PASSWORD, password);
    }

    /** The client certificate's PEM file (then its chain): {@code consul.clientCert} ({@code CONSUL_CLIENT_CERT}). */
    public void setClientCert(String path) {
        setConsul(ConsulProperty.CLIENT_CERT, path);
    }

    /** The client certificate's unencrypted PEM key: {@code consul.clientKey} ({@code CONSUL_CLIENT_KEY}). */
    public void setClientKey(String path) {
        setConsul(ConsulProperty.CLIENT_KEY, path);
    }

    /** A PKCS #12 or JKS file of the client certificate and key: {@code consul.keyStore}. */
    public void setKeyStore(String path) {
        setConsul(ConsulProperty.KEY_STORE, path);
    }

    /** The key store's (and its key's) password: {@code consul.keyStorePassword}. Never shown. */
    public void setKeyStorePassword(String password) {
        setConsul(ConsulProperty.KEY_STORE_PASSWORD, password);
    }

    /** The name agents' certificates are checked against: {@code consul.tlsServerName} ({@code CONSUL_TLS_SERVER_NAME}). */
    public void setTlsServerName(String name) {
        setConsul(ConsulProperty.TLS_SERVER_NAME, name);
    }

    /** Whether agents' certificates must name the agent: {@code consul.verifyHostname}, true or false (default true). */
    public void setVerifyHostname(String verify) {
        setConsul(ConsulProperty.VERIFY_HOSTNAME, verify);
    }

    /** False accepts any agent certificate (insecure): {@code consul.tlsVerify} ({@code CONSUL_HTTP_SSL_VERIFY}). */
    public void setTlsVerify(String verify) {
        setConsul(ConsulProperty.TLS_VERIFY, verify);
    }

    /** Consul Enterprise namespace: {@code consul.namespace} ({@code CONSUL_NAMESPACE}). */
    public void setNamespace(String namespace) {
        setConsul(ConsulProperty.NAMESPACE, namespace);
    }

    /** Consul Enterprise admin partition: {@code consul.partition} ({@code CONSUL_PARTITION}). */
    public void setPartition(String partition) {
        setConsul(ConsulProperty.PARTITION, partition);
    }

    /** The replicas' Consul name for {@code setReadOnly(true)}: {@code consul.readService}. */
    public void setReadService(String name) {
        setProperty("consul.readService", name);
    }

    /**
     * A discovery setting as {@code consul.<key>}, checked now by discovery's parser (the same
     * check the URL gets); null removes it.
     *
     * @throws IllegalArgumentException naming the parameter and the expected form, never a secret
     */
    private void setConsul(ConsulProperty p, String value) {
        String name = "consul." + p.key();
        if (value != null) {
            ConsulDiscovery.builder().property(name, value);
        }
        setProperty(name, value);
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
    public Connection getConnection(@Nullable String username, @Nullable String password) throws SQLException {
        String u = requireUrl();
        Properties info = properties();
        if (username != null) {
            info.setProperty("user", username);
        }
        if (password != null) {
            info.setProperty("password", password);
        }
        // setUrl took jdbc:consul: URLs only
        return ConsulDriver.open(u, info);
    }

    /** A copy of the properties set: the delegate's and the {@code consul.*} ones. */
    Properties properties() {
        Properties info = new Properties();
        synchronized (properties) {
            info.putAll(properties);
        }
        return info;
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
    public @Nullable PrintWriter getLogWriter() {
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
