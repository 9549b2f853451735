package io.waymark.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.jspecify.annotations.Nullable;

/**
 * How {@code https://} agents are reached: the trust (a CA file or directory, a trust store,
 * a trust manager, or the JVM's), the client certificate (PEM files or a key store), the name
 * the agents' certificates are checked against, and whether they are checked at all. Set by
 * the builder (and from the environment, see {@link ConsulEnvironment}); files are read by
 * {@link #build}, once, when the discovery is built.
 *
 * <p>Host names are verified by the JDK ({@code endpointIdentificationAlgorithm = HTTPS}) on
 * each TLS socket, against {@link #serverName} when set and the agent's host otherwise: so a
 * certificate may be checked against a name other than the address connected to, as the
 * consul CLI does with {@code CONSUL_TLS_SERVER_NAME}.
 *
 * <p>Threading: the options are confined to the builder; a built {@link Context} is immutable
 * and thread-safe.
 */
final class Tls {

    static final String DEFAULT_TRUST = "the JVM's trust store";

    /** A file setting and how messages name it (e.g. {@code caCert}, {@code CONSUL_CACERT}). */
    static final class Named<T> {
        final T value;
        final String setting;

        Named(T value, String setting) {
            this.value = value;
            this.setting = setting;
        }
    }

    // trust: at most one
    @Nullable Named<Path> caCert;
    @Nullable Named<Path> caPath;
    @Nullable Named<Path> trustStoreFile;
    @Nullable String trustStorePassword;
    @Nullable KeyStore trustStore;
    @Nullable X509TrustManager trustManager;
    // client certificate: a pair of PEM files, or a key store
    @Nullable Named<Path> clientCert;
    @Nullable Named<Path> clientKey;
    @Nullable Named<Path> keyStoreFile;
    @Nullable String keyStorePassword;
    @Nullable KeyStore keyStore;
    @Nullable Named<String> serverName;
    @Nullable Boolean verifyHostname;
    @Nullable Named<Boolean> verify;

    Tls copy() {
        Tls t = new Tls();
        t.caCert = caCert;
        t.caPath = caPath;
        t.trustStoreFile = trustStoreFile;
        t.trustStorePassword = trustStorePassword;
        t.trustStore = trustStore;
        t.trustManager = trustManager;
        t.clientCert = clientCert;
        t.clientKey = clientKey;
        t.keyStoreFile = keyStoreFile;
        t.keyStorePassword = keyStorePassword;
        t.keyStore = keyStore;
        t.serverName = serverName;
        t.verifyHostname = verifyHostname;
        t.verify = verify;
        return t;
    }

    private List<Named<?>> trustSources() {
        List<Named<?>> n = present(caCert, caPath, trustStoreFile);
        if (trustStore != null) {
            n.add(new Named<>("(a KeyStore)", "trustStore"));
        }
        if (trustManager != null) {
            n.add(new Named<>("(an X509TrustManager)", "trustManager"));
        }
        return n;
    }

    private List<Named<?>> identitySources(boolean withKey) {
        List<Named<?>> n = present(clientCert, withKey ? clientKey : null, keyStoreFile);
        if (keyStore != null) {
            n.add(new Named<>("(a KeyStore)", "keyStore"));
        }
        return n;
    }

    private static List<Named<?>> present(@Nullable Named<?>... candidates) {
        List<Named<?>> n = new ArrayList<>();
        for (Named<?> c : candidates) {
            if (c != null) {
                n.add(c);
            }
        }
        return n;
    }

    /** {@code caCert '/etc/consul/ca.pem'}: settings and paths, no secrets. */
    private static String describe(List<Named<?>> sources, String none) {
        if (sources.isEmpty()) {
            return none;
        }
        List<String> parts = new ArrayList<>();
        for (Named<?> n : sources) {
            parts.add(n.setting + " " + (n.value instanceof Path ? Checks.quote(n.value.toString()) : n.value));
        }
        return String.join(", ", parts);
    }

    private static List<String> names(List<Named<?>> sources) {
        List<String> s = new ArrayList<>();
        for (Named<?> n : sources) {
            s.add(n.setting);
        }
        return s;
    }

    /** The trust settings made, by name, for messages. */
    List<String> trustSettings() {
        return names(trustSources());
    }

    /** The client certificate settings made, by name, for messages. */
    List<String> identitySettings() {
        return names(identitySources(true));
    }

    /** Every setting made, by name. */
    List<String> settings() {
        List<String> s = trustSettings();
        s.addAll(identitySettings());
        if (serverName != null) {
            s.add(serverName.setting);
        }
        if (verifyHostname != null) {
            s.add("verifyHostname");
        }
        if (verify != null) {
            s.add(verify.setting);
        }
        return s;
    }

    boolean hasClientCertificate() {
        return clientCert != null || keyStoreFile != null || keyStore != null;
    }

    /**
     * @throws IllegalStateException on conflicting settings, naming them
     */
    void checkConsistent() {
        List<String> trust = trustSettings();
        if (trust.size() > 1) {
            throw new IllegalStateException("set one source of trust, not " + String.join(" and ", trust));
        }
        List<String> identity = identitySettings();
        boolean pem = clientCert != null || clientKey != null;
        boolean store = keyStoreFile != null || keyStore != null;
        if (pem && store || keyStoreFile != null && keyStore != null) {
            throw new IllegalStateException("set one client certificate, clientCert and clientKey or a key store, not "
                    + "both: " + String.join(", ", identity));
        }
        if (pem && (clientCert == null || clientKey == null)) {
            throw new IllegalStateException(clientCert == null
                    ? Objects.requireNonNull(clientKey).setting + " is set without a client certificate (clientCert): set both"
                    : clientCert.setting + " is set without its private key (clientKey): set both");
        }
    }

    /**
     * Reads the files and makes the TLS context; a TLS handshake may take
     * {@code handshakeMillis}.
     *
     * @throws IllegalStateException naming the setting and file that cannot be used; never
     *     quoting key material or a password
     */
    Context build(int handshakeMillis) {
        checkConsistent();
        boolean verifying = verify == null || verify.value;
        X509TrustManager tm = verifying ? trust() : TrustEverything.INSTANCE;
        KeyManager[] km = keyManagers();
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(km, new TrustManager[] {tm}, null);
            boolean hostnames = verifying && (verifyHostname == null || verifyHostname);
            return new Context(new NamingSocketFactory(ctx.getSocketFactory(),
                    serverName == null ? null : serverName.value, hostnames, handshakeMillis), tm,
                    hasClientCertificate(), verifying && trustSources().isEmpty(),
                    verifying ? describe(trustSources(), DEFAULT_TRUST) : "none, verification is off",
                    describe(identitySources(false), "none"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS for the Consul agents: " + e.getMessage(), e);
        }
    }

    private X509TrustManager trust() {
        try {
            if (trustManager != null) {
                return trustManager;
            }
            KeyStore store = trustStore;
            if (caCert != null) {
                store = certificateStore(Pem.certificates(caCert.setting, caCert.value));
            } else if (caPath != null) {
                store = certificateStore(directory(caPath));
            } else if (trustStoreFile != null) {
                store = load(trustStoreFile, trustStorePassword, "trust store");
            }
            // a null store: the JVM's default trust
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(store);
            for (TrustManager t : f.getTrustManagers()) {
                if (t instanceof X509TrustManager) {
                    return (X509TrustManager) t;
                }
            }
            throw new IllegalStateException("the trust settings yield no X509TrustManager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the trust settings " + trustSettings() + " cannot be used: "
                    + e.getMessage(), e);
        }
    }

    /** Every regular file under the directory must be PEM certificates, as the consul CLI (go-rootcerts) reads it. */
    private static List<X509Certificate> directory(Named<Path> dir) {
        if (!Files.isDirectory(dir.value)) {
            throw Pem.fileError(dir.setting, dir.value, Files.exists(dir.value) ? "is not a directory"
                    : "does not exist");
        }
        List<X509Certificate> all = new ArrayList<>();
        collect(dir, dir.value, all, 0);
        if (all.isEmpty()) {
            throw Pem.fileError(dir.setting, dir.value, "holds no certificate file");
        }
        return all;
    }

    private static void collect(Named<Path> root, Path dir, List<X509Certificate> into, int depth) {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(entries::add);
        } catch (IOException e) {
            throw Pem.fileError(root.setting, dir, "cannot be listed (" + e.getClass().getSimpleName() + ")");
        }
        entries.sort(null);
        for (Path p : entries) {
            if (Files.isDirectory(p)) {
                // as filepath.Walk: into subdirectories, but not through symbolic links to them
                if (!Files.isSymbolicLink(p) && depth < 8) {
                    collect(root, p, into, depth + 1);
                }
            } else if (Files.isRegularFile(p)) {
                into.addAll(Pem.certificates(root.setting, p));
            }
        }
    }

    private static KeyStore certificateStore(List<X509Certificate> certificates) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new IllegalStateException("cannot make an in-memory key store", e);
        }
        int i = 0;
        for (X509Certificate c : certificates) {
            store.setCertificateEntry("ca-" + i++, c);
        }
        return store;
    }

    private KeyManager @Nullable [] keyManagers() {
        if (!hasClientCertificate()) {
            return null;
        }
        try {
            KeyStore store;
            char[] password;
            if (clientCert != null) {
                List<X509Certificate> chain = Pem.certificates(clientCert.setting, clientCert.value);
                Named<Path> keyFile = Objects.requireNonNull(clientKey); // validate(): a certificate has its key
                PrivateKey key = Pem.privateKey(keyFile.setting, keyFile.value);
                Pem.requireMatch(key, chain.get(0), keyFile.setting, clientCert.setting);
                password = new char[0];
                store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("client", key, password, chain.toArray(new X509Certificate[0]));
            } else if (keyStoreFile != null) {
                store = load(keyStoreFile, keyStorePassword, "key store");
                password = chars(keyStorePassword);
            } else {
                store = keyStore;
                password = chars(keyStorePassword);
            }
            KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            try {
                f.init(store, password);
            } catch (java.security.UnrecoverableKeyException e) {
                throw new IllegalStateException(identitySettings() + ": the key cannot be recovered with the key "
                        + "store password (keyStorePassword); the key's password must be the store's");
            }
            return f.getKeyManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("the client certificate " + identitySettings() + " cannot be used: "
                    + e.getClass().getSimpleName(), e);
        }
    }

    private static char[] chars(@Nullable String password) {
        return password == null ? new char[0] : password.toCharArray();
    }

    /** A key store file of any type the JDK knows (PKCS #12, JKS), detected from its content. */
    private static KeyStore load(Named<Path> file, @Nullable String password, String what) {
        if (!Files.isRegularFile(file.value)) {
            throw Pem.fileError(file.setting, file.value, Files.exists(file.value) ? "is not a regular file"
                    : "does not exist");
        }
        try {
            return KeyStore.getInstance(file.value.toFile(), chars(password));
        } catch (IOException e) {
            // a wrong password shows as an IOException whose cause is UnrecoverableKeyException
            boolean wrongPassword = e.getCause() instanceof java.security.UnrecoverableKeyException;
            throw Pem.fileError(file.setting, file.value, wrongPassword
                    ? "cannot be opened with the " + what + " password given (wrong password?)"
                    : "cannot be read as a " + what + " (" + e.getClass().getSimpleName() + ")");
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw Pem.fileError(file.setting, file.value, "is no " + what + " the JDK can read (PKCS #12 or JKS): "
                    + e.getClass().getSimpleName());
        }
    }

    /**
     * What HttpTransport needs: the socket factory and its trust manager; and for messages,
     * whether a client certificate is sent and where trust and certificate come from.
     */
    static final class Context {
        final SSLSocketFactory socketFactory;
        final X509TrustManager trustManager;
        final boolean clientCertificate;
        /** Whether the JVM's trust store decides. */
        final boolean defaultTrust;
        /** E.g. {@code caCert '/etc/consul/ca.pem'}; no secrets. */
        final String trust;
        final String identity;

        Context(SSLSocketFactory socketFactory, X509TrustManager trustManager, boolean clientCertificate,
                boolean defaultTrust, String trust, String identity) {
            this.socketFactory = socketFactory;
            this.trustManager = trustManager;
            this.clientCertificate = clientCertificate;
            this.defaultTrust = defaultTrust;
            this.trust = trust;
            this.identity = identity;
        }

        /**
         * OkHttp's own host name check is replaced by the JDK's, made on the socket: it
         * knows the server name, and is off when verification is.
         */
        HostnameVerifier hostnameVerifier() {
            return (host, session) -> true;
        }
    }

    /**
     * Opens TLS sockets named for {@code serverName} (SNI, and the name the JDK verifies the
     * certificate against) when set, turns the JDK's host name verification on, and bounds the
     * handshake: OkHttp would give it the read timeout, minutes for a blocking query, and a
     * frozen agent accepts connections but never answers a handshake. (OkHttp sets the socket's
     * timeouts for each request once connected.)
     */
    static final class NamingSocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        private final @Nullable String serverName;
        private final boolean verifyHostname;
        private final int handshakeMillis;

        NamingSocketFactory(SSLSocketFactory delegate, @Nullable String serverName, boolean verifyHostname,
                int handshakeMillis) {
            this.delegate = delegate;
            this.serverName = serverName;
            this.verifyHostname = verifyHostname;
            this.handshakeMillis = handshakeMillis;
        }

        private Socket configure(Socket s) throws IOException {
            s.setSoTimeout(handshakeMillis);
            if (s instanceof SSLSocket) {
                SSLSocket ssl = (SSLSocket) s;
                SSLParameters p = ssl.getSSLParameters();
                if (verifyHostname) {
                    p.setEndpointIdentificationAlgorithm("HTTPS");
                }
                if (serverName != null && isHostName(serverName)) {
                    p.setServerNames(List.of(new SNIHostName(serverName)));
                }
                ssl.setSSLParameters(p);
            }
            return s;
        }

        private String name(String host) {
            return serverName != null ? serverName : host;
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return configure(delegate.createSocket(s, name(host), port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return configure(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return configure(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return configure(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return configure(delegate.createSocket(address, port, localAddress, localPort));
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }
    }

    /** A DNS name SNI may carry: not an IP address literal. */
    static boolean isHostName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return !n.isEmpty() && n.indexOf(':') < 0 && !n.chars().allMatch(c -> c >= '0' && c <= '9' || c == '.');
    }

    /**
     * {@code CONSUL_HTTP_SSL_VERIFY=false}: accept any certificate, as the consul CLI's
     * {@code InsecureSkipVerify}. Logged as a warning when the discovery is built.
     */
    enum TrustEverything implements X509TrustManager {
        INSTANCE;

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // we are the client
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // deliberately none: the user turned verification off
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
