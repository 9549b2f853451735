package io.waymark.discovery;

import static io.waymark.discovery.TestCertificates.certificatePem;
import static io.waymark.discovery.TestCertificates.pem;
import static io.waymark.discovery.TestCertificates.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEM certificates and keys in every form the discovery reads, and every way a file can be
 * wrong: each error names the setting and the file, and never shows a byte of key material.
 */
class PemTest {

    @TempDir
    static Path dir;
    private static TestCertificates.Pair ec;
    private static TestCertificates.Pair ec2;
    private static TestCertificates.Pair rsa;
    private static TestCertificates.Pair rsa2;

    @BeforeAll
    static void keys() throws Exception {
        ec = TestCertificates.generate(dir, "ec", "EC", "ip:127.0.0.1");
        ec2 = TestCertificates.generate(dir, "ec2", "EC", "ip:127.0.0.1");
        rsa = TestCertificates.generate(dir, "rsa", "RSA", "ip:127.0.0.1");
        rsa2 = TestCertificates.generate(dir, "rsa2", "RSA", "ip:127.0.0.1");
    }

    /** A slice of the key's encoding as it appears in the PEM file: finding it in a message is a leak. */
    private static String material(TestCertificates.Pair p) {
        return Base64.getEncoder().encodeToString(p.key().getEncoded()).substring(40, 60);
    }

    private static PrivateKey key(String file, String content) throws Exception {
        return Pem.privateKey("clientKey", write(dir, file, content));
    }

    @Test
    @DisplayName("EC keys in PKCS #8 and SEC 1 (after openssl's EC PARAMETERS), RSA keys in PKCS #8 and PKCS #1")
    void everyForm() throws Exception {
        for (PrivateKey k : List.of(key("ec.pkcs8", TestCertificates.pkcs8Pem(ec)),
                key("ec.sec1", TestCertificates.sec1Pem(ec)))) {
            assertThat(k.getAlgorithm()).isEqualTo("EC");
            Pem.requireMatch(k, ec.certificate(), "clientKey", "clientCert");
        }
        for (PrivateKey k : List.of(key("rsa.pkcs8", TestCertificates.pkcs8Pem(rsa)),
                key("rsa.pkcs1", TestCertificates.pkcs1Pem(rsa)))) {
            assertThat(k.getAlgorithm()).isEqualTo("RSA");
            Pem.requireMatch(k, rsa.certificate(), "clientKey", "clientCert");
        }
        // a combined file: certificate first, then the key
        Path both = write(dir, "both.pem", certificatePem(ec) + TestCertificates.sec1Pem(ec));
        assertThat(Pem.privateKey("clientKey", both).getAlgorithm()).isEqualTo("EC");
        assertThat(Pem.certificates("clientCert", both)).containsExactly(ec.certificate());
    }

    @Test
    @DisplayName("a key that is not the certificate's: named with both settings, whatever the algorithms")
    void mismatch() throws Exception {
        PrivateKey otherEc = key("ec2.sec1", TestCertificates.sec1Pem(ec2));
        assertThatThrownBy(() -> Pem.requireMatch(otherEc, ec.certificate(), "CONSUL_CLIENT_KEY", "CONSUL_CLIENT_CERT"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("CONSUL_CLIENT_KEY does not belong to the certificate of CONSUL_CLIENT_CERT");
        PrivateKey otherRsa = key("rsa2.pkcs1", TestCertificates.pkcs1Pem(rsa2));
        assertThatThrownBy(() -> Pem.requireMatch(otherRsa, rsa.certificate(), "clientKey", "clientCert"))
                .hasMessageContaining("does not belong").hasMessageContaining("RSA moduli differ");
        assertThatThrownBy(() -> Pem.requireMatch(otherRsa, ec.certificate(), "clientKey", "clientCert"))
                .hasMessageContaining("the key is RSA, the certificate's key is EC");
    }

    @Test
    @DisplayName("encrypted keys are refused, saying how to decrypt them")
    void encrypted() throws Exception {
        assertThatThrownBy(() -> key("enc.pem", pem("ENCRYPTED PRIVATE KEY", new byte[] {0x30, 0x00})))
                .hasMessageContaining("clientKey").hasMessageContaining("encrypted private key")
                .hasMessageContaining("openssl pkey");
        String legacy = "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF\n\n"
                + "AAAA\n-----END EC PRIVATE KEY-----\n";
        assertThatThrownBy(() -> key("legacy.pem", legacy)).hasMessageContaining("encrypted private key");
    }

    @Test
    @DisplayName("malformed files: each error names the setting, the file and what is wrong, never the content")
    void malformed() throws Exception {
        String keyPem = TestCertificates.pkcs8Pem(ec);
        String secret = material(ec);
        assertThat(keyPem.replace("\n", "")).contains(secret);

        Path notPem = write(dir, "not.pem", "hello " + secret);
        assertThatThrownBy(() -> Pem.privateKey("clientKey", notPem)).isInstanceOf(IllegalStateException.class)
                .hasMessage("clientKey '" + notPem + "' holds no PEM private key (-----BEGIN PRIVATE KEY-----, EC "
                        + "PRIVATE KEY or RSA PRIVATE KEY); it holds no PEM block at all (a PEM file has -----BEGIN "
                        + "...----- lines)");
        Path badBase64 = write(dir, "b64.pem", "-----BEGIN PRIVATE KEY-----\n" + secret + "!!*\n-----END PRIVATE "
                + "KEY-----\n");
        assertThatThrownBy(() -> Pem.privateKey("clientKey", badBase64))
                .hasMessageContaining("is not valid base64").hasMessageNotContaining(secret);
        String truncated = keyPem.substring(0, keyPem.indexOf("\n", 40)) + "\n-----END PRIVATE KEY-----\n";
        Path cut = write(dir, "cut.pem", truncated);
        assertThatThrownBy(() -> Pem.privateKey("clientKey", cut)).hasMessageContaining("clientKey '" + cut + "'")
                .hasMessageContaining("cannot").hasMessageNotContaining(secret);
        Path sec1Garbage = write(dir, "garbage.sec1", pem("EC PRIVATE KEY", new byte[] {0x30, 0x03, 0x02, 0x01,
            0x01}));
        assertThatThrownBy(() -> Pem.privateKey("clientKey", sec1Garbage))
                .hasMessageContaining("is not a SEC 1 EC private key with a named curve");

        // the wrong file for the setting: says what it holds instead
        Path keyAsCert = write(dir, "key-as-cert.pem", keyPem);
        assertThatThrownBy(() -> Pem.certificates("clientCert", keyAsCert))
                .hasMessage("clientCert '" + keyAsCert + "' holds no PEM certificate (-----BEGIN CERTIFICATE-----); "
                        + "it holds [PRIVATE KEY]");
        Path certAsKey = write(dir, "cert-as-key.pem", certificatePem(ec));
        assertThatThrownBy(() -> Pem.privateKey("clientKey", certAsKey)).hasMessageEndingWith("it holds [CERTIFICATE]");
        Path badCert = write(dir, "bad-cert.pem", pem("CERTIFICATE", new byte[] {0x30, 0x03, 0x02, 0x01, 0x01}));
        assertThatThrownBy(() -> Pem.certificates("caCert", badCert))
                .hasMessageContaining("caCert '" + badCert + "' certificate 1 is not a valid X.509 certificate");

        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> Pem.certificates("CONSUL_CACERT", missing))
                .hasMessage("CONSUL_CACERT '" + missing + "' does not exist");
        assertThatThrownBy(() -> Pem.certificates("caCert", dir)).hasMessage("caCert '" + dir + "' is a directory, not "
                + "a file");
        Path empty = Files.createFile(dir.resolve("empty.pem"));
        assertThatThrownBy(() -> Pem.privateKey("clientKey", empty)).hasMessageContaining("holds no PEM block at all");
    }
}
