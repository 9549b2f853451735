package io.waymark.discovery;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Certificates and private keys from PEM files, as {@code consul tls} and openssl write them:
 * {@code CERTIFICATE} blocks; private keys in PKCS #8 ({@code PRIVATE KEY}), SEC 1
 * ({@code EC PRIVATE KEY}, what {@code consul tls cert create} writes, which the JDK cannot
 * read as is) or PKCS #1 ({@code RSA PRIVATE KEY}) form, unencrypted (as the consul CLI
 * requires). Every error names the setting and the file, and says what was found by block
 * label only: never a byte of the content.
 *
 * <p>Threading: stateless.
 */
final class Pem {

    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    /** Larger is no PEM file of certificates or a key: refused before it is read whole. */
    static final long MAX_FILE_BYTES = 1 << 20;

    private static final String EC_OID = "1.2.840.10045.2.1";
    private static final String RSA_OID = "1.2.840.113549.1.1.1";
    /** The JDK's key algorithm of each PKCS #8 algorithm identifier we expect in a TLS client key. */
    private static final Map<String, String> KEY_ALGORITHMS = Map.of(RSA_OID, "RSA", EC_OID, "EC",
            "1.2.840.113549.1.1.10", "RSASSA-PSS", "1.3.101.112", "Ed25519", "1.3.101.113", "Ed448");

    private Pem() {
    }

    /** One block: its label and decoded body. */
    private static final class Block {
        final String label;
        final String text;

        Block(String label, String text) {
            this.label = label;
            this.text = text;
        }
    }

    /**
     * Every certificate of a PEM file, in order.
     *
     * @throws IllegalStateException naming {@code setting} and the file when it cannot be read,
     *     holds no {@code CERTIFICATE} block, or a block is no X.509 certificate
     */
    static List<X509Certificate> certificates(String setting, Path file) {
        List<Block> blocks = blocks(setting, file);
        List<X509Certificate> out = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
        int n = 0;
        for (Block b : blocks) {
            if (!b.label.equals("CERTIFICATE")) {
                continue;
            }
            n++;
            try {
                out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(decode(setting, file,
                        b))));
            } catch (CertificateException | ClassCastException e) {
                // the JDK's message describes the structure, never the content
                throw fileError(setting, file, "certificate " + n + " is not a valid X.509 certificate ("
                        + e.getMessage() + ")");
            }
        }
        if (out.isEmpty()) {
            throw fileError(setting, file, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)" + found(blocks));
        }
        return out;
    }

    /**
     * The first private key of a PEM file.
     *
     * @throws IllegalStateException naming {@code setting} and the file when it cannot be read,
     *     holds no key, an encrypted one, or one the JDK cannot use
     */
    static PrivateKey privateKey(String setting, Path file) {
        List<Block> blocks = blocks(setting, file);
        for (Block b : blocks) {
            switch (b.label) {
                case "PRIVATE KEY":
                    return pkcs8(setting, file, decode(setting, file, b), "PKCS #8");
                case "EC PRIVATE KEY":
                    refuseEncrypted(setting, file, b);
                    return pkcs8(setting, file, Der.sec1ToPkcs8(decode(setting, file, b), () -> fileError(setting,
                            file, "the EC PRIVATE KEY block is not a SEC 1 EC private key with a named curve")),
                            "SEC 1 EC");
                case "RSA PRIVATE KEY":
                    refuseEncrypted(setting, file, b);
                    return pkcs8(setting, file, Der.pkcs8(Der.RSA_ALGORITHM, decode(setting, file, b)), "PKCS #1 RSA");
                case "ENCRYPTED PRIVATE KEY":
                    throw encrypted(setting, file);
                default:
                    // EC PARAMETERS before an EC key, certificates in a combined file: skip
            }
        }
        throw fileError(setting, file, "holds no PEM private key (-----BEGIN PRIVATE KEY-----, EC PRIVATE KEY or "
                + "RSA PRIVATE KEY)" + found(blocks));
    }

    /**
     * Checks that {@code key} is the private key of {@code certificate}'s public key.
     *
     * @throws IllegalStateException naming both settings when it is not
     */
    static void requireMatch(PrivateKey key, X509Certificate certificate, String keySetting, String certSetting) {
        PublicKey pub = certificate.getPublicKey();
        String mismatch = keySetting + " does not belong to the certificate of " + certSetting;
        if (!sameFamily(key.getAlgorithm(), pub.getAlgorithm())) {
            throw new IllegalStateException(mismatch + ": the key is " + key.getAlgorithm()
                    + ", the certificate's key is " + pub.getAlgorithm());
        }
        if (key instanceof RSAKey && pub instanceof RSAKey) {
            if (!((RSAKey) key).getModulus().equals(((RSAKey) pub).getModulus())) {
                throw new IllegalStateException(mismatch + " (the RSA moduli differ)");
            }
            return;
        }
        String algorithm = signatureAlgorithm(key.getAlgorithm());
        if (algorithm == null) {
            // an algorithm we cannot test: the TLS handshake will tell
            return;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(pub);
            verifier.update(challenge);
            if (!verifier.verify(signature)) {
                throw new IllegalStateException(mismatch + " (a signature made with the key does not verify with "
                        + "the certificate's public key)");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(mismatch + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static boolean sameFamily(String keyAlgorithm, String certAlgorithm) {
        return family(keyAlgorithm).equals(family(certAlgorithm));
    }

    private static String family(String algorithm) {
        switch (algorithm) {
            case "RSASSA-PSS":
                return "RSA";
            case "Ed25519":
            case "Ed448":
                return "EdDSA";
            default:
                return algorithm;
        }
    }

    private static @Nullable String signatureAlgorithm(String keyAlgorithm) {
        switch (keyAlgorithm) {
            case "EC":
                return "SHA256withECDSA";
            case "EdDSA":
            case "Ed25519":
            case "Ed448":
                return "EdDSA";
            default:
                return null;
        }
    }

    private static PrivateKey pkcs8(String setting, Path file, byte[] der, String form) {
        String oid = Der.pkcs8Algorithm(der);
        String algorithm = oid == null ? null : KEY_ALGORITHMS.get(oid);
        if (algorithm == null) {
            throw fileError(setting, file, "holds a " + form + " private key "
                    + (oid == null ? "that cannot be parsed" : "of an unsupported algorithm (" + oid + ")")
                    + ": expected an RSA, EC or EdDSA key");
        }
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw fileError(setting, file, "holds a " + form + " " + algorithm + " private key the JDK cannot read ("
                    + e.getClass().getSimpleName() + ")");
        } finally {
            Arrays.fill(der, (byte) 0);
        }
    }

    private static void refuseEncrypted(String setting, Path file, Block b) {
        if (b.text.contains("Proc-Type:") || b.text.contains("DEK-Info:")) {
            throw encrypted(setting, file);
        }
    }

    private static IllegalStateException encrypted(String setting, Path file) {
        return fileError(setting, file, "holds an encrypted private key: use an unencrypted one, as the consul CLI "
                + "does (e.g. openssl pkey -in <file> -out <new file>), kept readable by this user only, or a key "
                + "store with a password");
    }

    private static String found(List<Block> blocks) {
        if (blocks.isEmpty()) {
            return "; it holds no PEM block at all (a PEM file has -----BEGIN ...----- lines)";
        }
        List<String> labels = new ArrayList<>();
        for (Block b : blocks) {
            labels.add(b.label);
        }
        return "; it holds " + labels;
    }

    private static List<Block> blocks(String setting, Path file) {
        String text = new String(read(setting, file), StandardCharsets.US_ASCII);
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            out.add(new Block(m.group(1), m.group(2)));
        }
        return out;
    }

    private static byte[] decode(String setting, Path file, Block b) {
        String body = b.text;
        int headers = body.lastIndexOf(':');
        if (headers >= 0) {
            // RFC 1421 headers (Proc-Type, DEK-Info) end with an empty line
            int blank = body.indexOf("\n\n", headers);
            body = blank < 0 ? body : body.substring(blank);
        }
        try {
            // strict: the MIME decoder would skip stray characters and hand the key parser garbage
            return Base64.getDecoder().decode(body.replaceAll("\\s+", ""));
        } catch (IllegalArgumentException e) {
            throw fileError(setting, file, "has a " + b.label + " block that is not valid base64");
        }
    }

    /**
     * The whole file, at most {@value #MAX_FILE_BYTES} bytes.
     *
     * @throws IllegalStateException naming the setting and the file
     */
    static byte[] read(String setting, Path file) {
        try {
            if (Files.isDirectory(file)) {
                throw fileError(setting, file, "is a directory, not a file");
            }
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw fileError(setting, file, "is " + size + " bytes, too large for a PEM file");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw fileError(setting, file, "does not exist");
        } catch (AccessDeniedException e) {
            throw fileError(setting, file, "cannot be read by this user (permission denied)");
        } catch (IOException e) {
            throw fileError(setting, file, "cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** {@code <setting> '<file>' <problem>}. */
    static IllegalStateException fileError(String setting, Path file, String problem) {
        return new IllegalStateException(setting + " " + Checks.quote(file.toString()) + " " + problem);
    }

    /**
     * The DER bits of converting SEC 1 and PKCS #1 keys into PKCS #8, which the JDK reads:
     * only what that needs (definite lengths, the few tags of those structures).
     */
    static final class Der {

        /** AlgorithmIdentifier of rsaEncryption: SEQUENCE { OID 1.2.840.113549.1.1.1, NULL }. */
        static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
            (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
        /** OID 1.2.840.10045.2.1 (id-ecPublicKey), encoded. */
        private static final byte[] EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02,
            0x01};

        private final byte[] buf;
        private int pos;

        private Der(byte[] buf, int pos) {
            this.buf = buf;
            this.pos = pos;
        }

        /** A TLV at the current position: {tag, start of value, length}; advances past it. */
        private int[] next() {
            if (pos + 2 > buf.length) {
                throw new IllegalArgumentException("truncated");
            }
            int tag = buf[pos++] & 0xff;
            int len = buf[pos++] & 0xff;
            if (len >= 0x80) {
                int bytes = len & 0x7f;
                if (bytes == 0 || bytes > 3 || pos + bytes > buf.length) {
                    throw new IllegalArgumentException("bad length");
                }
                len = 0;
                for (int i = 0; i < bytes; i++) {
                    len = (len << 8) | (buf[pos++] & 0xff);
                }
            }
            if (len > buf.length - pos) {
                throw new IllegalArgumentException("truncated");
            }
            int[] tlv = {tag, pos, len};
            pos += len;
            return tlv;
        }

        private static Der inside(byte[] buf, int[] tlv) {
            return new Der(Arrays.copyOf(buf, tlv[1] + tlv[2]), tlv[1]);
        }

        private boolean more() {
            return pos < buf.length;
        }

        /**
         * SEC 1 {@code ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING,
         * [0] parameters (the named curve), [1] publicKey }} as PKCS #8 {@code PrivateKeyInfo}.
         */
        static byte[] sec1ToPkcs8(byte[] sec1, java.util.function.Supplier<IllegalStateException> bad) {
            try {
                Der outer = new Der(sec1, 0);
                int[] seq = outer.next();
                if (seq[0] != 0x30) {
                    throw bad.get();
                }
                Der d = inside(sec1, seq);
                int[] version = d.next();
                int[] key = d.next();
                if (version[0] != 0x02 || key[0] != 0x04) {
                    throw bad.get();
                }
                byte[] curve = null;
                while (d.more()) {
                    int[] field = d.next();
                    if (field[0] == 0xa0) {
                        Der params = inside(d.buf, field);
                        int[] oid = params.next();
                        if (oid[0] == 0x06) {
                            curve = Arrays.copyOfRange(params.buf, oid[1] - 2, oid[1] + oid[2]);
                        }
                    }
                }
                if (curve == null) {
                    throw bad.get();
                }
                return pkcs8(sequence(concat(EC_PUBLIC_KEY, curve)), sec1);
            } catch (IllegalArgumentException e) {
                throw bad.get();
            }
        }

        /** {@code PrivateKeyInfo ::= SEQUENCE { version 0, algorithm, privateKey OCTET STRING }}. */
        static byte[] pkcs8(byte[] algorithm, byte[] key) {
            return sequence(concat(new byte[] {0x02, 0x01, 0x00}, algorithm, tlv(0x04, key)));
        }

        /** The algorithm OID of a PKCS #8 {@code PrivateKeyInfo}, dotted; null when it cannot be parsed. */
        static @Nullable String pkcs8Algorithm(byte[] der) {
            try {
                Der outer = new Der(der, 0);
                int[] seq = outer.next();
                Der d = inside(der, seq);
                int[] version = d.next();
                int[] algorithm = d.next();
                if (seq[0] != 0x30 || version[0] != 0x02 || algorithm[0] != 0x30) {
                    return null;
                }
                int[] oid = inside(d.buf, algorithm).next();
                return oid[0] == 0x06 ? dotted(d.buf, oid[1], oid[2]) : null;
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        private static String dotted(byte[] b, int start, int len) {
            StringBuilder sb = new StringBuilder();
            long value = 0;
            boolean first = true;
            for (int i = start; i < start + len; i++) {
                value = (value << 7) | (b[i] & 0x7f);
                if ((b[i] & 0x80) == 0) {
                    if (first) {
                        sb.append(value < 80 ? value / 40 : 2).append('.').append(value < 80 ? value % 40 : value - 80);
                        first = false;
                    } else {
                        sb.append('.').append(value);
                    }
                    value = 0;
                }
            }
            return sb.toString();
        }

        private static byte[] sequence(byte[] content) {
            return tlv(0x30, content);
        }

        private static byte[] tlv(int tag, byte[] content) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
            out.write(tag);
            int len = content.length;
            if (len < 0x80) {
                out.write(len);
            } else if (len < 0x100) {
                out.write(0x81);
                out.write(len);
            } else if (len < 0x10000) {
                out.write(0x82);
                out.write(len >> 8);
                out.write(len);
            } else {
                out.write(0x83);
                out.write(len >> 16);
                out.write(len >> 8);
                out.write(len);
            }
            out.writeBytes(content);
            return out.toByteArray();
        }

        private static byte[] concat(byte[]... parts) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] p : parts) {
                out.writeBytes(p);
            }
            return out.toByteArray();
        }
    }
}
