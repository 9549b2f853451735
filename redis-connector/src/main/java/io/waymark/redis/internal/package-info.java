/**
 * Implementation of {@code io.waymark.redis}: not a public API, may change in any release.
 *
 * <p>Standalone mode: {@link io.waymark.redis.internal.StandaloneRouter} keeps the
 * topology (one immutable snapshot, changed on one thread at a time);
 * {@link io.waymark.redis.internal.RoutingCore} picks a node per command and retries
 * writes that certainly did not run. The async interface is a dynamic proxy over that
 * core; the sync interface is a proxy over the async one; the reactive interface is a
 * proxy that picks the node at subscription.
 */
package io.waymark.redis.internal;
