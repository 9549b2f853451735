package io.waymark.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Pem")
class PemTest {

    @TempDir
    Path dir;

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    @Test
    void readsAPkcs8EcKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        Path file = dir.resolve("key.pem");
        Files.writeString(file, pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
        assertThat(Pem.privateKey(file).getEncoded()).isEqualTo(kp.getPrivate().getEncoded());
    }

    @Test
    void aMalformedKeyFailsNamingTheFileNotTheContent() throws Exception {
        Path file = dir.resolve("bad-key.pem");
        String garbage = "MHcCAQEEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAoAoGCCqGSM49";
        Files.writeString(file, "-----BEGIN EC PRIVATE KEY-----\n" + garbage + "\n-----END EC PRIVATE KEY-----\n");
        assertThatThrownBy(() -> Pem.privateKey(file))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString())
                .hasMessageNotContaining(garbage)
                .hasNoCause();
    }

    @Test
    void aFileWithoutAKeyOrCertificateSaysWhatIsMissing() throws Exception {
        Path file = dir.resolve("empty.pem");
        Files.writeString(file, "nothing here\n");
        assertThatThrownBy(() -> Pem.privateKey(file)).hasMessageContaining("no \"EC PRIVATE KEY\"")
                .hasMessageContaining(file.toString());
        assertThatThrownBy(() -> Pem.certificates(file)).hasMessageContaining("no PEM certificate")
                .hasMessageContaining(file.toString());
    }
}
