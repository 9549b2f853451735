/**
 * Waymark's Redis connector over Lettuce ({@link io.waymark.redis.DiscoveredRedis}). Exports the
 * API package only; {@code io.waymark.redis.internal} is implementation.
 */
// lettuce.core is an automatic module, named by Lettuce's own Automatic-Module-Name (stable)
@SuppressWarnings("requires-transitive-automatic")
module io.waymark.redis {
    requires transitive io.waymark.discovery;
    // Lettuce's types (commands, codecs, client resources) are in the API
    requires transitive lettuce.core;
    requires io.netty.buffer;
    requires io.netty.common;
    // Lettuce, an automatic module, declares no requires: Netty's explicit modules (4.2 has
    // descriptors) would not be resolved, and Lettuce would fail at its first SslOptions. These
    // two bring every Netty module Lettuce loads (transport, codec, resolver, DNS resolver).
    requires io.netty.handler;
    requires io.netty.resolver.dns;
    requires org.reactivestreams;
    requires reactor.core;
    requires org.slf4j;

    exports io.waymark.redis;
}
