package io.waymark.jdbc.internal;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Masks secrets (passwords, ACL tokens) in URLs and parameter values before they reach a message. */
public final class Secrets {

    static final String MASK = "****";

    // any key naming a secret: password, password1, trustCertificateKeyStorePassword, consul.token, ...
    private static final Pattern SECRET_PARAM = Pattern.compile(
            "([?&;][^=&;?]*(?:password|passwd|pwd|token|secret)[^=&;?]*=)([^&;]*)", Pattern.CASE_INSENSITIVE);
    // user:password@ in the authority part
    private static final Pattern USER_INFO = Pattern.compile("(//[^/?@:]*:)([^/?@]*)(@)");

    private Secrets() {
    }

    /** True when a parameter of this name carries a secret. */
    public static boolean isSecretKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("passwd") || k.contains("pwd") || k.contains("token")
                || k.contains("secret");
    }

    /** The URL with the values of secret parameters and any {@code user:password@} password masked. Null-safe. */
    public static String maskUrl(String url) {
        if (url == null) {
            return "null";
        }
        String masked = USER_INFO.matcher(url).replaceAll("$1" + Matcher.quoteReplacement(MASK) + "$3");
        return SECRET_PARAM.matcher(masked).replaceAll("$1" + Matcher.quoteReplacement(MASK));
    }

    /** A parameter value fit for a message: masked when the key names a secret. */
    public static String maskValue(String key, String value) {
        return isSecretKey(key) ? MASK : value;
    }
}
