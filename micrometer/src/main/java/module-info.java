/**
 * Micrometer meter binders for Waymark's discovery and connectors ({@link io.waymark.micrometer}).
 * The connectors are optional: a binder of one is usable only when that connector is present.
 */
// micrometer.core is an automatic module, named by Micrometer's own Automatic-Module-Name (stable)
@SuppressWarnings("requires-transitive-automatic")
module io.waymark.micrometer {
    requires transitive micrometer.core;
    requires transitive io.waymark.discovery;
    requires static io.waymark.redis;
    requires static io.waymark.jdbc;

    exports io.waymark.micrometer;
}
