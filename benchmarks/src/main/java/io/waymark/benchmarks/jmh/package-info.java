/**
 * JMH benchmarks and a load probe comparing Waymark with what users would pick instead, on real
 * servers started by the testkit (every benchmark starts and stops its own).
 *
 * <ul>
 *   <li>{@link io.waymark.benchmarks.jmh.ResolveBenchmark}: cached resolve, ns/op and B/op;</li>
 *   <li>{@link io.waymark.benchmarks.jmh.RedisRoutingBenchmark}: routed GET/SET against raw
 *       Lettuce;</li>
 *   <li>{@link io.waymark.benchmarks.jmh.ConsulLoadProbe}: a plain program for change-to-listener
 *       latency and steady-state request count.</li>
 * </ul>
 *
 * <p>Run from the repository root:
 * <pre>
 * mvn -B -ntp -o -pl benchmarks package
 * mvn -B -q -ntp -o -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/classpath
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath) org.openjdk.jmh.Main -prof gc
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath) io.waymark.benchmarks.jmh.ConsulLoadProbe
 * </pre>
 * The JMH run (both benchmarks) takes about 8 minutes, the probe about a minute and a half.
 * Numbers from a shared 2-core machine are noisy: compare the ratios within one run.
 */
package io.waymark.benchmarks.jmh;
