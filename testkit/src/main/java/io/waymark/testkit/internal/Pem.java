package io.waymark.testkit.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The fixture's own TLS client: an {@link SSLContext} from the PEM files {@code consul tls}
 * writes (certificates, and EC keys in SEC 1 form, "BEGIN EC PRIVATE KEY", which the JDK cannot
 * read as is; PKCS #8 "BEGIN PRIVATE KEY" works too). Errors name the file, never its content.
 *
 * <p>Threading: thread-safe; no state.
 */
public final class Pem {

    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");
    /** id-ecPublicKey, 1.2.840.10045.2.1, as a DER object identifier. */
    private static final byte[] EC_PUBLIC_KEY_OID =
            {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private Pem() {}

    /** TLS 1.2+ trusting {@code caCertificate}, presenting {@code certificate} with {@code key}. */
    public static SSLContext sslContext(Path caCertificate, Path certificate, Path key) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (Certificate c : certificates(caCertificate)) {
                trust.setCertificateEntry("ca" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyStore identity = KeyStore.getInstance("PKCS12");
            identity.load(null, null);
            char[] none = new char[0];
            identity.setKeyEntry("client", privateKey(key), none,
                    certificates(certificate).toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(identity, none);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a TLS context from " + caCertificate + ", "
                    + certificate + " and " + key + ": " + e.getClass().getSimpleName(), e);
        }
    }

    /** The certificates in {@code file}, in order. */
    public static List<Certificate> certificates(Path file) {
        List<Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(file)) {
                if (b.type().equals("CERTIFICATE")) {
                    out.add(cf.generateCertificate(new ByteArrayInputStream(b.der())));
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("malformed certificate in " + file, e);
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no PEM certificate in " + file);
        }
        return out;
    }

    /** The first private key in {@code file}: "EC PRIVATE KEY" (SEC 1) or "PRIVATE KEY" (PKCS #8). */
    public static PrivateKey privateKey(Path file) {
        for (Block b : blocks(file)) {
            try {
                if (b.type().equals("PRIVATE KEY")) {
                    byte[] der = b.der();
                    return KeyFactory.getInstance(pkcs8Algorithm(der)).generatePrivate(new PKCS8EncodedKeySpec(der));
                }
                if (b.type().equals("EC PRIVATE KEY")) {
                    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(ecToPkcs8(b.der())));
                }
            } catch (GeneralSecurityException | RuntimeException e) {
                // the cause's message could quote key bytes: only its type is kept
                throw new IllegalStateException("malformed " + b.type() + " in " + file + " ("
                        + e.getClass().getSimpleName() + ")");
            }
        }
        throw new IllegalStateException("no \"EC PRIVATE KEY\" or \"PRIVATE KEY\" PEM block in " + file);
    }

    private record Block(String type, byte[] der) {}

    private static List<Block> blocks(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2).trim())));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("malformed base64 in a " + m.group(1) + " block of " + file);
            }
        }
        return out;
    }

    /** "EC" when the PKCS #8 algorithm is id-ecPublicKey, else "RSA". */
    private static String pkcs8Algorithm(byte[] der) {
        return indexOf(der, EC_PUBLIC_KEY_OID) >= 0 ? "EC" : "RSA";
    }

    /**
     * Wraps a SEC 1 ECPrivateKey (which names its curve in its [0] field) into a PKCS #8
     * PrivateKeyInfo: SEQUENCE { 0, SEQUENCE { id-ecPublicKey, curve }, OCTET STRING { sec1 } }.
     */
    static byte[] ecToPkcs8(byte[] sec1) {
        Der seq = Der.read(sec1, 0);
        requireTag(seq, 0x30);
        Der version = Der.read(sec1, seq.contentStart());
        Der secret = Der.read(sec1, version.end());
        int at = secret.end();
        byte[] curve = null;
        while (at < seq.end()) {
            Der field = Der.read(sec1, at);
            if (field.tag() == 0xa0) {
                Der oid = Der.read(sec1, field.contentStart());
                requireTag(oid, 0x06);
                curve = Arrays.copyOfRange(sec1, oid.start(), oid.end());
            }
            at = field.end();
        }
        if (curve == null) {
            throw new IllegalArgumentException("SEC 1 key without its curve");
        }
        ByteArrayOutputStream algorithm = new ByteArrayOutputStream();
        algorithm.writeBytes(EC_PUBLIC_KEY_OID);
        algorithm.writeBytes(curve);
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        info.writeBytes(new byte[] {0x02, 0x01, 0x00});
        info.writeBytes(Der.encode(0x30, algorithm.toByteArray()));
        info.writeBytes(Der.encode(0x04, sec1));
        return Der.encode(0x30, info.toByteArray());
    }

    private static void requireTag(Der d, int tag) {
        if (d.tag() != tag) {
            throw new IllegalArgumentException("unexpected DER tag " + d.tag());
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** One DER element: its tag, where it starts, where its content starts and where it ends. */
    private record Der(int tag, int start, int contentStart, int end) {

        static Der read(byte[] b, int at) {
            int tag = b[at] & 0xff;
            int len = b[at + 1] & 0xff;
            int content = at + 2;
            if (len > 0x7f) {
                int n = len & 0x7f;
                if (n > 3) {
                    throw new IllegalArgumentException("DER length too long");
                }
                len = 0;
                for (int k = 0; k < n; k++) {
                    len = (len << 8) | (b[content + k] & 0xff);
                }
                content += n;
            }
            if (content + len > b.length) {
                throw new IllegalArgumentException("DER element overruns its input");
            }
            return new Der(tag, at, content, content + len);
        }

        static byte[] encode(int tag, byte[] content) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(tag);
            int len = content.length;
            if (len < 0x80) {
                out.write(len);
            } else if (len < 0x100) {
                out.write(0x81);
                out.write(len);
            } else {
                out.write(0x82);
                out.write(len >> 8);
                out.write(len & 0xff);
            }
            out.writeBytes(content);
            return out.toByteArray();
        }
    }
}
