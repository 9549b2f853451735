package waymark.consumer;

import io.waymark.jdbc.ConsulConnection;
import io.waymark.jdbc.ConsulDriver;
import io.waymark.redis.DiscoveredRedis;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.MariaDbReplication;
import io.waymark.testkit.RedisReplication;
import io.waymark.testkit.RoleChecks;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Runs on the module path: fails (exit 1, saying what) unless the connectors work from there.
 * The testkit is on the class path (read through --add-reads), to start real servers.
 */
public final class Main {

    private static final String REDIS_WRITE = "w-master-redis-6379";
    private static final String REDIS_READ = "r-slave-redis-6379";
    private static final String DB_PRIMARY = "w-master-mysql-3306";
    private static final String DB_REPLICA = "r-slave-mysql-3306";
    private static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        modules();
        Driver driver = consulDriver();
        try (RedisReplication redis = RedisReplication.builder().replicas(0).password("secret").start();
                MariaDbReplication db = MariaDbReplication.builder().replicas(0).database("shop")
                        .appUser("app", "app-pw").start();
                ConsulCluster consul = ConsulCluster.builder().servers(1)
                        .clientAgent("redis01", RoleChecks.redis(redis.master(), "secret", REDIS_WRITE, REDIS_READ,
                                CHECK_INTERVAL))
                        .clientAgent("db01", RoleChecks.mariadb(db.primary(), db.appUser(), db.appPassword(),
                                DB_PRIMARY, DB_REPLICA, CHECK_INTERVAL))
                        .start()) {
            consul.awaitPassing(REDIS_WRITE, 1, Duration.ofSeconds(60));
            consul.awaitPassing(DB_PRIMARY, 1, Duration.ofSeconds(60));
            String agent = consul.agent("db01").httpAddress();
            try (DiscoveredRedis<String, String> r = DiscoveredRedis.builder().consulAgent(agent)
                    .writeService(REDIS_WRITE + ".service.consul").password("secret").build()) {
                r.sync().set("module-path", "ok");
                require("ok".equals(r.sync().get("module-path")), "GET through DiscoveredRedis did not read the SET");
            }
            String url = "jdbc:consul:mariadb://" + DB_PRIMARY + ".service.consul/" + db.database()
                    + "?consul.agent=" + agent + "&user=" + db.appUser() + "&password=" + db.appPassword();
            require(DriverManager.getDriver(url).getClass() == driver.getClass(),
                    "DriverManager hands jdbc:consul: to " + DriverManager.getDriver(url).getClass());
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT 6 * 7")) {
                require(rs.next() && rs.getInt(1) == 42, "SELECT through jdbc:consul: answered wrong");
                String server = c.unwrap(ConsulConnection.class).serverAddress();
                require(server.equals(db.primary().address()), "jdbc:consul: reached " + server);
            }
        }
        System.out.println("module-path consumer OK: DiscoveredRedis SET/GET and jdbc:consul:mariadb: SELECT, "
                + driver.getClass().getName() + " from ServiceLoader in module " + driver.getClass().getModule().getName());
    }

    /** The connectors are the named modules their descriptors say, exporting their API only. */
    private static void modules() {
        Module redis = DiscoveredRedis.class.getModule();
        Module jdbc = ConsulDriver.class.getModule();
        require("io.waymark.redis".equals(redis.getName()), "DiscoveredRedis is in module " + redis);
        require("io.waymark.jdbc".equals(jdbc.getName()), "ConsulDriver is in module " + jdbc);
        require(!redis.getDescriptor().isAutomatic() && !jdbc.getDescriptor().isAutomatic(),
                "the connectors are automatic modules (no module-info.class in their jars)");
        require(!redis.isExported("io.waymark.redis.internal"), "io.waymark.redis.internal is exported");
        require(!jdbc.isExported("io.waymark.jdbc.internal"), "io.waymark.jdbc.internal is exported");
        Module discovery = redis.getLayer().findModule("io.waymark.discovery").orElseThrow();
        require(Main.class.getModule().canRead(discovery), "io.waymark.redis does not require io.waymark.discovery transitively");
    }

    /** The jdbc:consul: driver as ServiceLoader finds it: only the provides clause of io.waymark.jdbc names it. */
    private static Driver consulDriver() {
        List<Driver> found = ServiceLoader.load(Driver.class).stream().map(ServiceLoader.Provider::get)
                .filter(d -> d.getClass().getName().equals("io.waymark.jdbc.ConsulDriver")).toList();
        require(found.size() == 1, "ServiceLoader found " + found.size() + " jdbc:consul: drivers, expected 1");
        Driver d = found.get(0);
        require("io.waymark.jdbc".equals(d.getClass().getModule().getName()),
                "the jdbc:consul: driver came from " + d.getClass().getModule());
        return d;
    }

    private static void require(boolean condition, String problem) {
        if (!condition) {
            System.err.println("module-path consumer FAILED: " + problem);
            System.exit(1);
        }
    }
}
