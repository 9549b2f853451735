/**
 * Micrometer {@link io.micrometer.core.instrument.binder.MeterBinder}s for Waymark, usable with or
 * without Spring: {@link io.waymark.micrometer.DiscoveryMeterBinder} for a
 * {@link io.waymark.discovery.ConsulDiscovery}, {@link io.waymark.micrometer.RedisMeterBinder} for a
 * {@link io.waymark.redis.DiscoveredRedis}, {@link io.waymark.micrometer.JdbcMeterBinder} for the
 * {@code jdbc:consul:} connections of a primary service. Names follow Micrometer's conventions (dotted, lower case,
 * base units); tags never take values from traffic. The core modules do not depend on Micrometer:
 * this module depends on them, and the connectors are optional dependencies here.
 */
@NullMarked
package io.waymark.micrometer;

import org.jspecify.annotations.NullMarked;
