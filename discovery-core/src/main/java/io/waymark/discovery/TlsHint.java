package io.waymark.discovery;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * What a failed TLS connection to an agent most likely means, in the words of the settings
 * that fix it: the JDK's messages ("PKIX path building failed", "Received fatal alert:
 * bad_certificate") name neither the file nor the setting. Only the exception's class and
 * the JDK's message are looked at: never key material.
 *
 * <p>Threading: stateless.
 */
final class TlsHint {

    private TlsHint() {
    }

    /** A sentence for {@code failure}, or null when it is no TLS problem we can explain. */
    static @Nullable String explain(Throwable failure, Settings s) {
        if (s.agents.stream().noneMatch(AgentAddress::https)) {
            return null;
        }
        boolean clientCertificate = s.tls != null && s.tls.clientCertificate;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException
                    || m.contains("pkix path") || m.contains("unable to find valid certification path")) {
                return "the agent's certificate is not signed by a CA this client trusts (" + trust(s) + ")";
            }
            if (t instanceof CertificateException && (m.contains("no subject alternative") || m.contains("no name "
                    + "matching") || m.contains("subject alternative names"))) {
                return "the agent's certificate does not name the host connected to (" + t.getMessage()
                        + "): set tlsServerName (CONSUL_TLS_SERVER_NAME) to a name it carries, e.g. "
                        + "server.<datacenter>.consul";
            }
            if (m.contains("unsupported or unrecognized ssl message") || m.contains("plaintext connection")) {
                return "the agent does not speak TLS on this port: use http:// for it, or its https port (8501)";
            }
            if (t instanceof SSLException && (m.contains("bad_certificate") || m.contains("certificate_required")
                    || m.contains("unknown_ca") || m.contains("handshake_failure"))) {
                return clientCertificate
                        ? "the agent refused the client certificate (" + identity(s) + "): it must be signed by a CA "
                                + "the agents trust (their ca_file), for client authentication"
                        : noClientCertificate();
            }
        }
        Throwable root = root(failure);
        if (!clientCertificate && Counters.kind(root) == DiscoveryStats.ErrorKind.CONNECTION
                && !(root instanceof ConnectException || root instanceof NoRouteToHostException
                        || root instanceof UnknownHostException)) {
            // the agent may close the connection (reset, end of stream, HTTP/2 shutdown) before its alert is read
            return "if the agents set verify_incoming, they close connections without a client certificate: "
                    + noClientCertificate();
        }
        return null;
    }

    private static String noClientCertificate() {
        return "no client certificate is configured; agents with verify_incoming require one: set clientCert and "
                + "clientKey (CONSUL_CLIENT_CERT and CONSUL_CLIENT_KEY), or keyStore";
    }

    private static String trust(Settings s) {
        Tls.Context tls = Objects.requireNonNull(s.tls); // explain() asks only when an agent is https
        return tls.defaultTrust ? Tls.DEFAULT_TRUST + "; set caCert (CONSUL_CACERT) to the agents' CA"
                : "trust: " + tls.trust;
    }

    private static String identity(Settings s) {
        return Objects.requireNonNull(s.tls).identity;
    }

    private static Throwable root(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return r;
    }
}
