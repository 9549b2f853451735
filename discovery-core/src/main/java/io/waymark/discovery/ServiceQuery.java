package io.waymark.discovery;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A Consul name, parsed: which service (or prepared query), which tag, which datacenter.
 *
 * <p>Every form Consul DNS accepts is understood, with the domain given to
 * {@link #parse(String, String)} ({@code consul} by default):
 * <ul>
 *   <li>{@code web} -- a bare service name;</li>
 *   <li>{@code web.service.consul}, {@code web.service.dc2.consul};</li>
 *   <li>{@code primary.web.service.consul} -- only instances tagged {@code primary};</li>
 *   <li>{@code _web._primary.service.consul} -- RFC 2782 style; {@code _web._tcp} means no tag;</li>
 *   <li>{@code web.query.consul}, {@code web.query.dc2.consul} -- a prepared query.</li>
 * </ul>
 * A trailing dot is accepted. DNS names are case-insensitive, so the query is kept in
 * lower case: {@code Web.Service.Consul} and {@code web} are the same query.
 *
 * <p>This is Waymark's one Consul-name validator: every module that takes a name (the Redis
 * builder's services, the JDBC URL's host) checks it with {@link #parse(String)}, whose
 * {@link IllegalArgumentException} quotes the name and says what is wrong; a caller that
 * knows the setting's name may wrap it ({@code "writeService: " + e.getMessage()}). Names
 * with another domain parse with {@link #parse(String, String)} only: a caller that does not
 * know the discovery's domain yet may leave the check to {@link ConsulDiscovery}, whose
 * methods throw the same exception.
 *
 * <p>Immutable; equal queries share one watch in a {@link ConsulDiscovery}.
 */
public final class ServiceQuery {

    /** Consul's default DNS domain. */
    public static final String DEFAULT_DOMAIN = "consul";

    private static final int MAX_LABEL = 63;
    private static final int MAX_NAME = 253;

    private final String service;
    private final @Nullable String tag;
    private final @Nullable String datacenter;
    private final boolean preparedQuery;
    private final String domain;
    private final String canonical;

    private ServiceQuery(String service, @Nullable String tag, @Nullable String datacenter, boolean preparedQuery, String domain) {
        this.service = service;
        this.tag = tag;
        this.datacenter = datacenter;
        this.preparedQuery = preparedQuery;
        this.domain = domain;
        StringBuilder b = new StringBuilder();
        if (tag != null) {
            b.append(tag).append('.');
        }
        b.append(service).append(preparedQuery ? ".query." : ".service.");
        if (datacenter != null) {
            b.append(datacenter).append('.');
        }
        this.canonical = b.append(domain).toString();
    }

    /** Parses {@code name} with the default domain {@code consul}. */
    public static ServiceQuery parse(String name) {
        return parse(name, DEFAULT_DOMAIN);
    }

    /**
     * Parses {@code name}, whose fully qualified forms end with {@code domain}.
     *
     * @throws IllegalArgumentException quoting the name and saying what is wrong with it
     */
    public static ServiceQuery parse(String name, String domain) {
        Objects.requireNonNull(name, "name");
        String dom = normalizeDomain(domain);
        if (name.isEmpty()) {
            throw bad(name, "it is empty");
        }
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (n.length() > MAX_NAME) {
            throw bad(name, "it is " + n.length() + " characters long, at most " + MAX_NAME + " are allowed");
        }
        List<String> labels = labels(name, n);
        if (labels.size() == 1) {
            String only = labels.get(0);
            if (only.startsWith("_")) {
                throw bad(name, "a bare service name must not start with '_' (RFC 2782 names look like "
                        + "'_name._tag.service." + dom + "')");
            }
            return new ServiceQuery(only, null, null, false, dom);
        }
        List<String> domainLabels = Arrays.asList(dom.split("\\.", -1));
        int restSize = labels.size() - domainLabels.size();
        if (restSize < 2 || !labels.subList(restSize, labels.size()).equals(domainLabels)) {
            throw unknownForm(name, dom);
        }
        List<String> rest = labels.subList(0, restSize);
        int kindAt;
        String dc = null;
        if (isKind(rest.get(restSize - 1))) {
            kindAt = restSize - 1;
        } else if (restSize >= 3 && isKind(rest.get(restSize - 2))) {
            kindAt = restSize - 2;
            dc = rest.get(restSize - 1);
            if (dc.startsWith("_")) {
                throw bad(name, "datacenter '" + dc + "' must not start with '_'");
            }
        } else {
            throw unknownForm(name, dom);
        }
        boolean prepared = rest.get(kindAt).equals("query");
        List<String> before = rest.subList(0, kindAt);
        if (prepared) {
            if (before.size() != 1) {
                throw bad(name, "a prepared query lookup is '<query>.query[.<datacenter>]." + dom
                        + "', with exactly one label before '.query.'");
            }
            if (before.get(0).startsWith("_")) {
                throw bad(name, "prepared query name '" + before.get(0) + "' must not start with '_'");
            }
            return new ServiceQuery(before.get(0), null, dc, true, dom);
        }
        if (before.size() == 1) {
            if (before.get(0).startsWith("_")) {
                throw bad(name, "service label '" + before.get(0) + "' starts with '_' but has no RFC 2782 "
                        + "tag label: expected '_name._tag.service." + dom + "'");
            }
            return new ServiceQuery(before.get(0), null, dc, false, dom);
        }
        if (before.size() == 2) {
            String first = before.get(0);
            String second = before.get(1);
            boolean rfc1 = first.startsWith("_");
            boolean rfc2 = second.startsWith("_");
            if (rfc1 && rfc2) {
                String svc = first.substring(1);
                String tg = second.substring(1);
                if (svc.isEmpty() || tg.isEmpty()) {
                    throw bad(name, "RFC 2782 labels need a name after the '_'");
                }
                // Consul treats _tcp as "any tag", as RFC 2782 clients always send a protocol
                return new ServiceQuery(svc, tg.equals("tcp") ? null : tg, dc, false, dom);
            }
            if (rfc1 || rfc2) {
                throw bad(name, "it mixes RFC 2782 labels with plain ones: use '_name._tag.service." + dom
                        + "' or 'tag.name.service." + dom + "'");
            }
            return new ServiceQuery(second, first, dc, false, dom);
        }
        throw bad(name, "too many labels before '.service.': expected 'name', 'tag.name' or '_name._tag'");
    }

    private static List<String> labels(String original, String n) {
        String[] parts = n.split("\\.", -1);
        List<String> out = new ArrayList<>(parts.length);
        for (int i = 0; i < parts.length; i++) {
            String label = parts[i];
            if (label.isEmpty()) {
                throw bad(original, "label " + (i + 1) + " is empty");
            }
            if (label.length() > MAX_LABEL) {
                throw bad(original, "label '" + label + "' is " + label.length() + " characters long, at most "
                        + MAX_LABEL + " are allowed");
            }
            for (int c = 0; c < label.length(); c++) {
                char ch = label.charAt(c);
                if (!(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9'
                        || ch == '-' || ch == '_')) {
                    throw bad(original, "illegal character " + describe(ch) + " in label '" + label
                            + "' (allowed: letters, digits, '-', '_')");
                }
            }
            out.add(label.toLowerCase(Locale.ROOT));
        }
        return out;
    }

    private static String normalizeDomain(String domain) {
        Objects.requireNonNull(domain, "domain");
        String d = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        if (d.isEmpty()) {
            throw new IllegalArgumentException("domain must not be empty: '" + domain + "'");
        }
        for (String label : d.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > MAX_LABEL) {
                throw new IllegalArgumentException("domain must be dot-separated labels of 1.." + MAX_LABEL
                        + " characters: '" + domain + "'");
            }
            for (int c = 0; c < label.length(); c++) {
                char ch = label.charAt(c);
                if (!(Character.isLetterOrDigit(ch) && ch < 128 || ch == '-')) {
                    throw new IllegalArgumentException("domain has an illegal character " + describe(ch) + ": '"
                            + domain + "'");
                }
            }
        }
        return d.toLowerCase(Locale.ROOT);
    }

    private static boolean isKind(String label) {
        return label.equals("service") || label.equals("query");
    }

    private static String describe(char ch) {
        return ch >= 0x21 && ch < 0x7f ? "'" + ch + "'" : String.format("U+%04X", (int) ch);
    }

    private static IllegalArgumentException unknownForm(String name, String dom) {
        return bad(name, "unknown form: expected 'name', '[tag.]name.service[.datacenter]." + dom
                + "', '_name._tag.service[.datacenter]." + dom + "' or 'name.query[.datacenter]." + dom + "'");
    }

    private static IllegalArgumentException bad(String name, String what) {
        return new IllegalArgumentException("invalid Consul name '" + name + "': " + what);
    }

    /** The service name, or the prepared query's name or id when {@link #preparedQuery()}. */
    public String service() {
        return service;
    }

    /** Only instances carrying this tag; empty: any tag. */
    public Optional<String> tag() {
        return Optional.ofNullable(tag);
    }

    /** The datacenter to ask; empty: the agent's own. */
    public Optional<String> datacenter() {
        return Optional.ofNullable(datacenter);
    }

    /** True for {@code name.query.<domain>} lookups. */
    public boolean preparedQuery() {
        return preparedQuery;
    }

    public String domain() {
        return domain;
    }

    /** The fully qualified DNS name, with the trailing dot: {@code tag.web.service.dc2.consul.}. */
    public String dnsName() {
        return canonical + ".";
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o instanceof ServiceQuery && canonical.equals(((ServiceQuery) o).canonical);
    }

    @Override
    public int hashCode() {
        return canonical.hashCode();
    }

    /** The canonical form, {@code [tag.]name.service[.dc].domain} or {@code name.query[.dc].domain}. */
    @Override
    public String toString() {
        return canonical;
    }
}
