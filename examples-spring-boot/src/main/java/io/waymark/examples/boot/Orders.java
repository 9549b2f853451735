package io.waymark.examples.boot;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * Places orders: a row in MariaDB and a counter in Redis per order, as any Spring application would
 * write them. The counters are spread over {@value #SHARDS} keys, so that in a Redis Cluster they live
 * on every master.
 *
 * <p><b>Threading:</b> thread-safe (the templates are).
 */
@Service
public class Orders {

    static final int SHARDS = 16;

    private final JdbcTemplate jdbc;
    private final StringRedisTemplate redis;

    public Orders(JdbcTemplate jdbc, StringRedisTemplate redis) {
        this.jdbc = jdbc;
        this.redis = redis;
    }

    /** Creates the table if it is not there. */
    public void createTable() {
        jdbc.execute("CREATE TABLE IF NOT EXISTS shop_orders (id BIGINT PRIMARY KEY, shard INT NOT NULL)");
    }

    /** Stores order {@code id} and counts it in its shard's counter. */
    public void place(long id) {
        int shard = (int) (id % SHARDS);
        jdbc.update("INSERT INTO shop_orders (id, shard) VALUES (?, ?)", id, shard);
        redis.opsForValue().increment(counterKey(shard));
    }

    /** Rows in MariaDB. */
    public long rows() {
        Long n = jdbc.queryForObject("SELECT COUNT(*) FROM shop_orders", Long.class);
        return n == null ? 0 : n;
    }

    /** The sum of the Redis counters. */
    public long counted() {
        long sum = 0;
        for (int s = 0; s < SHARDS; s++) {
            String v = redis.opsForValue().get(counterKey(s));
            sum += v == null ? 0 : Long.parseLong(v);
        }
        return sum;
    }

    private static String counterKey(int shard) {
        return "shop:orders:" + shard;
    }
}
