package io.waymark.examples.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot application on Waymark: orders are rows in MariaDB ({@code JdbcTemplate} on a
 * {@code jdbc:consul:} URL) and counters in Redis ({@code StringRedisTemplate} on the starter's
 * connection factory). Nothing in it knows about Consul or failovers: that is all configuration
 * ({@code application.properties}).
 */
@SpringBootApplication
public class ShopApplication {

    public static void main(String[] args) {
        SpringApplication.run(ShopApplication.class, args);
    }
}
