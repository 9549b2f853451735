package io.waymark.spring.boot;

import java.util.Objects;

/**
 * A {@code waymark.*} property whose value the builders refused, or a required one that is missing;
 * {@link WaymarkPropertyFailureAnalyzer} turns it into Boot's startup failure report. The value of a
 * secret property is never kept.
 */
public class InvalidWaymarkPropertyException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String property;
    private final String value;
    private final String reason;

    /**
     * @param property the property's name as configuration files write it ({@code waymark.redis.read-policy})
     * @param value what it was set to, or null when missing; pass null for secrets
     * @param reason why it was refused, with the expected form
     */
    public InvalidWaymarkPropertyException(String property, String value, String reason, Throwable cause) {
        super("invalid " + property + (value == null ? "" : " '" + value + "'") + ": " + reason, cause);
        this.property = Objects.requireNonNull(property, "property");
        this.value = value;
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The property's name, e.g. {@code waymark.redis.failover-budget}. */
    public String getProperty() {
        return property;
    }

    /** Its value as set, or null when missing or secret. */
    public String getValue() {
        return value;
    }

    /** Why it was refused. */
    public String getReason() {
        return reason;
    }
}
