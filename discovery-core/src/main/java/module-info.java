/**
 * Waymark discovery: resolve, cache and watch Consul names (see {@link io.waymark.discovery}).
 * Only the API package is exported; OkHttp, Jackson, Caffeine and dnsjava are implementation
 * and appear in no exported signature.
 */
module io.waymark.discovery {
    // Nullness annotations on the API (@NullMarked packages, @Nullable members): a reader's compiler sees them
    requires transitive org.jspecify;
    requires okhttp3;
    requires com.fasterxml.jackson.databind;
    requires com.github.benmanes.caffeine;
    requires org.dnsjava;
    requires org.slf4j;

    exports io.waymark.discovery;
}
