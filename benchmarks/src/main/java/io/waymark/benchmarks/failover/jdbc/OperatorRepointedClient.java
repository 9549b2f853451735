package io.waymark.benchmarks.failover.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.ExecutorService;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HikariCP on a fixed {@code jdbc:mariadb://host:3306/...} URL, and an operator script that
 * repoints it: it watches Consul's passing primary the way {@code consul watch -type=service
 * -passingonly} does (blocking queries on {@code /v1/health/service/<primary>?passing}) and, when
 * exactly one instance passes and it is not the current host, builds a new HikariDataSource on that
 * host, makes the writers use it, soft-evicts the old pool's connections (closed when returned)
 * and closes the old pool after a grace period. HikariCP cannot change a running pool's URL, so
 * rebuilding it is what an operator realistically does.
 *
 * <p>Threading: {@link #connection} from any thread; one operator thread and one scheduler thread,
 * both daemons, stopped by {@link #close}.
 */
final class OperatorRepointedClient implements WriteClient {

    /** How long writers that already hold the old pool may keep using it before it is closed. */
    static final Duration GRACE = Duration.ofSeconds(5);
    /** What the operator does, for the results file. */
    static final String DESCRIPTION = "The fixed-URL pool is repointed by an operator script that watches Consul's"
            + " passing primary with blocking queries (as consul watch does), builds a new HikariDataSource on the new"
            + " host, soft-evicts the old pool and closes it " + GRACE.toSeconds() + " s later.";
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Pattern SERVICE_ADDRESS =
            Pattern.compile("\"Service\"\\s*:\\s*\\{.*?\"Address\"\\s*:\\s*\"([^\"]*)\"", Pattern.DOTALL);

    private final String consulHttpAddress;
    private final String service;
    private final BiFunction<String, Integer, HikariDataSource> poolOn;
    private final List<HikariDataSource> retired = new ArrayList<>();
    private final ExecutorService httpExecutor;
    private final AtomicReference<HikariDataSource> pool = new AtomicReference<>();
    private final AtomicReference<String> host = new AtomicReference<>();
    private final AtomicInteger repoints = new AtomicInteger();
    private final List<Long> reactionMillis = new ArrayList<>();
    private final HttpClient http;
    private final ScheduledExecutorService scheduler;
    private final Thread operator;
    private volatile boolean closed;
    private volatile long primaryChangedAtNanos;

    /**
     * @param poolOn builds the pool for a host, given a sequence number for its name
     */
    OperatorRepointedClient(String initialHost, String consulHttpAddress, String service,
            BiFunction<String, Integer, HikariDataSource> poolOn) {
        this.consulHttpAddress = consulHttpAddress;
        this.service = service;
        this.poolOn = poolOn;
        this.host.set(initialHost);
        this.pool.set(poolOn.apply(initialHost, 0));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "operator-pool-closer"));
        this.httpExecutor = Executors.newCachedThreadPool(r -> daemon(r, "operator-http"));
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).executor(httpExecutor).build();
        this.operator = daemon(this::watch, "operator-consul-watch");
        operator.start();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Marks the moment a failover was issued, so that the operator's reaction time can be reported. */
    void failoverIssued() {
        primaryChangedAtNanos = System.nanoTime();
    }

    @Override
    public String name() {
        return "HikariCP, fixed jdbc:mariadb: URL repointed by an operator";
    }

    @Override
    public String tag() {
        return "operator";
    }

    @Override
    public Connection connection() throws SQLException {
        return pool.get().getConnection();
    }

    @Override
    public String note() {
        return note(repoints.get(), reactionMillis());
    }

    /** How long after each failover began the operator had a new pool, in ms. */
    List<Long> reactionMillis() {
        synchronized (reactionMillis) {
            return List.copyOf(reactionMillis);
        }
    }

    int repoints() {
        return repoints.get();
    }

    /** The note for {@code repoints} repoints with these reaction times (of one run or several). */
    static String note(int repoints, List<Long> reactionMillis) {
        List<Long> sorted = new ArrayList<>(reactionMillis);
        sorted.sort(null);
        String median = sorted.isEmpty() ? "-" : sorted.get((sorted.size() - 1) / 2) + " ms";
        return repoints + " repoints, operator reacted (Consul change seen + new pool) a median " + median
                + " after the failover began";
    }

    private void watch() {
        long index = 0;
        while (!closed) {
            try {
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + consulHttpAddress
                        + "/v1/health/service/" + service + "?passing&index=" + index + "&wait=" + WAIT.toSeconds() + "s"))
                        .timeout(WAIT.plusSeconds(5)).GET().build();
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    pause();
                    continue;
                }
                long next = Long.parseLong(response.headers().firstValue("X-Consul-Index").orElse("0"));
                // an index that went backwards resets the blocking query, as consul watch does
                index = next < index ? 0 : next;
                List<String> passing = addresses(response.body());
                if (passing.size() == 1 && !passing.get(0).equals(host.get())) {
                    repoint(passing.get(0));
                }
            } catch (IOException e) {
                pause();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                pause();
            }
        }
    }

    static List<String> addresses(String body) {
        List<String> out = new ArrayList<>();
        // one entry per instance: split at each "Node": object start
        for (String entry : body.split("\\{\\s*\"Node\"\\s*:")) {
            Matcher m = SERVICE_ADDRESS.matcher(entry);
            if (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    private void repoint(String newHost) {
        int n = repoints.incrementAndGet();
        HikariDataSource fresh = poolOn.apply(newHost, n);
        HikariDataSource old = pool.getAndSet(fresh);
        host.set(newHost);
        long issued = primaryChangedAtNanos;
        if (issued != 0) {
            synchronized (reactionMillis) {
                reactionMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - issued));
            }
        }
        old.getHikariPoolMXBean().softEvictConnections();
        synchronized (retired) {
            retired.add(old);
        }
        scheduler.schedule(old::close, GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void pause() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        operator.interrupt();
        try {
            operator.join(WAIT.plusSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scheduler.shutdownNow();
        httpExecutor.shutdownNow();
        synchronized (retired) {
            retired.forEach(HikariDataSource::close);
        }
        pool.get().close();
    }
}
