package io.waymark.testkit;

import java.util.Objects;

/**
 * A Consul ACL token of a secured {@link ConsulCluster}: its public accessor id, its secret (what
 * a client sends as {@code X-Consul-Token} or writes to a token file) and a description.
 * {@link #toString()} never shows the secret.
 *
 * <p>Threading: immutable.
 */
public final class ConsulToken {

    private final String accessorId;
    private final String secretId;
    private final String description;

    ConsulToken(String accessorId, String secretId, String description) {
        this.accessorId = Objects.requireNonNull(accessorId, "accessorId");
        this.secretId = Objects.requireNonNull(secretId, "secretId");
        this.description = Objects.requireNonNull(description, "description");
    }

    /** The public id ({@code AccessorID}), e.g. to delete the token. */
    public String accessorId() {
        return accessorId;
    }

    /** The secret ({@code SecretID}) a client authenticates with. */
    public String secretId() {
        return secretId;
    }

    public String description() {
        return description;
    }

    /** Same accessor id. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ConsulToken t && t.accessorId.equals(accessorId);
    }

    @Override
    public int hashCode() {
        return accessorId.hashCode();
    }

    /** Description and accessor id; never the secret. */
    @Override
    public String toString() {
        return "ConsulToken[" + description + ", accessor " + accessorId + "]";
    }
}
