package io.waymark.discovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;

/**
 * PEM files a Consul TLS setting ({@code caCert}, {@code clientCert}, {@code clientKey}) must refuse,
 * written into a test's directory, with the text of theirs that no error may show. Published in
 * discovery-core's test-jar for the connectors' tests of their own settings.
 *
 * <p>Threading: for one test's thread.
 */
public final class BadPemFiles {

    /** The body of {@link #malformedCertificate()}: base64, but of text, not of a certificate. */
    public static final String NOT_A_CERTIFICATE = Base64.getEncoder().encodeToString(
            "not a certificate but private-looking text".getBytes(StandardCharsets.US_ASCII));

    private final Path dir;
    private final String key;

    /** Files in {@code dir}, around a fresh EC (P-256) private key, the certificate of none. */
    public BadPemFiles(Path dir) throws GeneralSecurityException {
        this.dir = dir;
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        this.key = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(g.generateKeyPair().getPrivate()
                .getEncoded());
    }

    /** {@code bad.pem}: a CERTIFICATE block holding {@link #NOT_A_CERTIFICATE}. */
    public Path malformedCertificate() throws IOException {
        return Files.writeString(dir.resolve("bad.pem"),
                "-----BEGIN CERTIFICATE-----\n" + NOT_A_CERTIFICATE + "\n-----END CERTIFICATE-----\n");
    }

    /** {@code foreign-key.pem}: the key, whole (PKCS #8), which belongs to no certificate of the tests. */
    public Path foreignKey() throws IOException {
        return Files.writeString(dir.resolve("foreign-key.pem"),
                "-----BEGIN PRIVATE KEY-----\n" + key + "\n-----END PRIVATE KEY-----\n");
    }

    /** {@code truncated-key.pem}: the first half of the key, in an EC PRIVATE KEY block. */
    public Path truncatedKey() throws IOException {
        return Files.writeString(dir.resolve("truncated-key.pem"), "-----BEGIN EC PRIVATE KEY-----\n"
                + key.substring(0, key.length() / 2) + "\n-----END EC PRIVATE KEY-----\n");
    }

    /** The key's base64 lines: none may appear in an error. */
    public List<String> keyLines() {
        return List.of(key.split("\n"));
    }
}
