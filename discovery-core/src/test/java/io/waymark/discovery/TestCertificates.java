package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * Key pairs and self-signed certificates made by the JDK's keytool (always there, unlike
 * openssl), written as the PEM files the discovery reads: the certificate, and the key in
 * PKCS #8, SEC 1 (with its named curve, as {@code consul tls} and openssl write it) or PKCS #1
 * form. The real {@code consul tls} files are used by the ITs.
 */
final class TestCertificates {

    /** OID 1.2.840.10045.3.1.7 (secp256r1, P-256), encoded: keytool's default EC curve here. */
    private static final byte[] P256 = {0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x03, 0x01, 0x07};

    /** A key pair and its self-signed certificate; the key store keytool made (password "changeit"). */
    record Pair(PrivateKey key, X509Certificate certificate, Path keyStore) {
    }

    private TestCertificates() {
    }

    /**
     * keytool -genkeypair: {@code algorithm} EC (P-256) or RSA (2048), subject CN=name, the given
     * subject alternative names (e.g. {@code ip:127.0.0.1,dns:agent.example}).
     */
    static Pair generate(Path dir, String name, String algorithm, String san) throws Exception {
        Path store = dir.resolve(name + ".p12");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", name, "-keyalg", algorithm, "-dname", "CN=" + name, "-ext", "SAN=" + san,
                "-validity", "2", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
                "-keypass", "changeit");
        if (algorithm.equals("EC")) {
            pb.command().addAll(Arrays.asList("-groupname", "secp256r1"));
        } else {
            pb.command().addAll(Arrays.asList("-keysize", "2048"));
        }
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        return new Pair((PrivateKey) ks.getKey(name, "changeit".toCharArray()),
                (X509Certificate) ks.getCertificate(name), store);
    }

    static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    static Path write(Path dir, String file, String content) throws IOException {
        Path f = dir.resolve(file);
        Files.writeString(f, content, StandardCharsets.US_ASCII);
        return f;
    }

    static String certificatePem(Pair p) throws Exception {
        return pem("CERTIFICATE", p.certificate().getEncoded());
    }

    static String pkcs8Pem(Pair p) {
        return pem("PRIVATE KEY", p.key().getEncoded());
    }

    /** SEC 1, with the named curve, preceded by the EC PARAMETERS block openssl writes. */
    static String sec1Pem(Pair p) {
        byte[][] inner = fields(innerKey(p.key().getEncoded()));
        // version, privateKey, then [0] curve; keep [1] public key when the JDK wrote one
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        content.writeBytes(inner[0]);
        content.writeBytes(inner[1]);
        content.writeBytes(tlv(0xa0, P256));
        for (int i = 2; i < inner.length; i++) {
            if ((inner[i][0] & 0xff) == 0xa1) {
                content.writeBytes(inner[i]);
            }
        }
        return pem("EC PARAMETERS", P256) + pem("EC PRIVATE KEY", tlv(0x30, content.toByteArray()));
    }

    /** PKCS #1: the RSAPrivateKey inside the PKCS #8 structure. */
    static String pkcs1Pem(Pair p) {
        return pem("RSA PRIVATE KEY", innerKey(p.key().getEncoded()));
    }

    /** The OCTET STRING content of a PKCS #8 PrivateKeyInfo (the third field). */
    private static byte[] innerKey(byte[] pkcs8) {
        byte[][] f = fields(pkcs8);
        byte[] octets = f[2];
        int[] h = header(octets, 0);
        return Arrays.copyOfRange(octets, h[0], h[0] + h[1]);
    }

    /** The TLVs inside a SEQUENCE. */
    private static byte[][] fields(byte[] sequence) {
        int[] h = header(sequence, 0);
        int pos = h[0];
        int end = h[0] + h[1];
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        while (pos < end) {
            int[] f = header(sequence, pos);
            out.add(Arrays.copyOfRange(sequence, pos, f[0] + f[1]));
            pos = f[0] + f[1];
        }
        return out.toArray(new byte[0][]);
    }

    /** {start of value, length} of the TLV at {@code pos}. */
    private static int[] header(byte[] b, int pos) {
        int len = b[pos + 1] & 0xff;
        int start = pos + 2;
        if (len >= 0x80) {
            int n = len & 0x7f;
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (b[start + i] & 0xff);
            }
            start += n;
        }
        return new int[] {start, len};
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        if (content.length < 0x80) {
            out.write(content.length);
        } else if (content.length < 0x100) {
            out.write(0x81);
            out.write(content.length);
        } else {
            out.write(0x82);
            out.write(content.length >> 8);
            out.write(content.length);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }
}
