/**
 * Implementation details of the testkit: process supervision, polling, a minimal RESP and JSON
 * codec, HTTP calls to Consul. Not API: anything here may change without notice.
 */
package io.waymark.testkit.internal;
