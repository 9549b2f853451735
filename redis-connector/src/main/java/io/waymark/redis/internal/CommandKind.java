package io.waymark.redis.internal;

/** How a command is routed. */
enum CommandKind {
    /** Read-only: goes where the read policy says; retried on another node if the connection failed. */
    READ,
    /** Everything else: to the fenced master; retried only if it certainly did not run. */
    WRITE,
    /** Blocks the connection (BLPOP...): on a pooled master connection of its own. */
    BLOCKING,
    /** Changes the state of one connection (AUTH, SELECT, setTimeout...): meaningless on routed connections. */
    UNSUPPORTED,
    /** Answered without the network (digest, getJsonParser, isOpen). */
    LOCAL
}
