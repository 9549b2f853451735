package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.waymark.testkit.internal.Binaries;
import io.waymark.testkit.internal.Pem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real {@code consul tls} commands (no agent): fast, but needs the consul binary. */
@DisplayName("ConsulCertificates")
class ConsulCertificatesTest {

    @TempDir
    Path dir;

    static List<String> sans(Path certificate) throws Exception {
        X509Certificate c = (X509Certificate) Pem.certificates(certificate).get(0);
        return c.getSubjectAlternativeNames().stream().map(l -> String.valueOf(l.get(1)))
                .collect(Collectors.toList());
    }

    @Test
    void agentCertificatesNameTheAgentAddressAndConsulNames() throws Exception {
        ConsulCertificates certs = ConsulCertificates.create(Binaries.require("consul"), dir, "dc1");
        ConsulCertificates.Pair server = certs.server("consul01", "127.0.0.150");
        ConsulCertificates.Pair client = certs.clientAgent("app", "127.0.0.151");
        assertThat(sans(server.certificate())).contains("server.dc1.consul", "consul01.server.dc1.consul",
                "localhost", "127.0.0.150");
        assertThat(sans(client.certificate())).contains("client.dc1.consul", "localhost", "127.0.0.151")
                .doesNotContain("server.dc1.consul");
        assertThat(server.certificate()).startsWith(dir);
    }

    @Test
    void theCliKeyIsSec1PemReadByPemAndMatchesItsCertificate() throws Exception {
        ConsulCertificates certs = ConsulCertificates.create(Binaries.require("consul"), dir, "dc1");
        ConsulSecurity.TlsFiles cli = certs.cli();
        assertThat(Files.readString(cli.clientKey())).startsWith("-----BEGIN EC PRIVATE KEY-----");
        assertThat(Files.getPosixFilePermissions(cli.clientKey()))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        PrivateKey key = Pem.privateKey(cli.clientKey());
        X509Certificate cert = (X509Certificate) Pem.certificates(cli.clientCertificate()).get(0);
        byte[] data = "proof".getBytes(StandardCharsets.UTF_8);
        Signature sign = Signature.getInstance("SHA256withECDSA");
        sign.initSign(key);
        sign.update(data);
        byte[] signature = sign.sign();
        Signature verify = Signature.getInstance("SHA256withECDSA");
        verify.initVerify(cert.getPublicKey());
        verify.update(data);
        assertThat(verify.verify(signature)).isTrue();
        // signed by the CA it hands out
        cert.verify(Pem.certificates(cli.caCertificate()).get(0).getPublicKey());
    }

    @Test
    void theUntrustedCaIsAnotherOne() throws Exception {
        ConsulCertificates certs = ConsulCertificates.create(Binaries.require("consul"), dir, "dc1");
        ConsulSecurity.TlsFiles other = certs.untrusted();
        X509Certificate foreign = (X509Certificate) Pem.certificates(other.clientCertificate()).get(0);
        assertThat(other.caCertificate()).isNotEqualTo(certs.ca());
        assertThatThrownBy(() -> foreign.verify(Pem.certificates(certs.ca()).get(0).getPublicKey()))
                .isInstanceOf(java.security.SignatureException.class);
    }

    @Test
    void aConsulWithoutTheTlsCommandFailsNamingTheInstallScript() throws Exception {
        // what an old consul (before 1.4) answers to `consul tls ...`
        Path fake = dir.resolve("consul");
        Files.writeString(fake, "#!/bin/sh\nif [ \"$1\" = version ]; then echo 'Consul v1.2.0'; exit 0; fi\n"
                + "echo 'Usage: consul [--version] [--help] <command> [<args>]' >&2\nexit 127\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        assertThatThrownBy(() -> ConsulCertificates.create(fake.toString(), dir.resolve("tls"), "dc1"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("consul tls ca create")
                .hasMessageContaining("Consul v1.2.0")
                .hasMessageContaining("scripts/install-prereqs");
    }
}
