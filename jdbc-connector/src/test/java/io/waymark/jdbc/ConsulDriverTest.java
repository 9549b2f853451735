package io.waymark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Properties;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ConsulDriverTest {

    @Nested
    class Registration {

        @Test
        void isAJavaSqlDriverService() {
            assertThat(ServiceLoader.load(Driver.class).stream().map(p -> p.type().getName()))
                    .contains(ConsulDriver.class.getName());
        }

        @Test
        void driverManagerPicksItForConsulUrls() throws SQLException {
            assertThat(DriverManager.getDriver("jdbc:consul:mysql://w-master-mysql-3306/shop"))
                    .isInstanceOf(ConsulDriver.class);
            assertThat(DriverManager.getDriver("jdbc:consul:mariadb://w-master-mysql-3306/shop"))
                    .isInstanceOf(ConsulDriver.class);
        }

        @Test
        void leavesOtherUrlsToOtherDrivers() throws SQLException {
            ConsulDriver driver = new ConsulDriver();
            assertThat(driver.acceptsURL("jdbc:mysql://127.0.0.1/shop")).isFalse();
            assertThat(driver.connect("jdbc:mysql://127.0.0.1/shop", new Properties())).isNull();
            assertThat(driver.connect(null, new Properties())).isNull();
        }
    }

    @Nested
    class BadInput {

        @Test
        void throughDriverManagerTheMessageNamesThePartAndHidesThePassword() {
            SQLException e = catchThrowableOfType(SQLException.class,
                    () -> DriverManager.getConnection("jdbc:consul:oracle://db/shop?password=hunter2"));
            assertThat(e.getMessage()).contains("unknown subprotocol 'oracle'").contains("expected mysql or mariadb")
                    .doesNotContain("hunter2");
        }

        @Test
        void aBadConsulParameterFailsThroughTheDataSourceToo() {
            ConsulDataSource ds = new ConsulDataSource();
            ds.setUrl("jdbc:consul:mariadb://db/shop?consul.failoverTimeout=soon&consul.token=t0p");
            ds.setPassword("hunter2");
            SQLException e = catchThrowableOfType(SQLException.class, ds::getConnection);
            assertThat(e.getMessage()).contains("consul.failoverTimeout must be a duration").contains("'soon'")
                    .doesNotContain("hunter2").doesNotContain("t0p");
        }

        @Test
        void aDataSourceWithoutUrlSaysSo() {
            assertThat(catchThrowableOfType(SQLException.class, () -> new ConsulDataSource().getConnection())
                    .getMessage()).contains("url is not set");
        }
    }

    @Nested
    class Description {

        @Test
        void propertyInfoListsTheConsulParameters() {
            Properties info = new Properties();
            info.setProperty("consul.token", "t0p");
            DriverPropertyInfo[] props = new ConsulDriver().getPropertyInfo("jdbc:consul:mysql://db", info);
            assertThat(Arrays.stream(props).map(p -> p.name)).contains("consul.agent", "consul.token",
                    "consul.readService", "consul.mode", "consul.failoverTimeout", "consul.roleCheck");
            assertThat(Arrays.stream(props).map(p -> p.value)).doesNotContain("t0p");
            assertThat(props).allMatch(p -> p.description != null && !p.description.isBlank());
        }

        @Test
        void dataSourceToStringMasksSecrets() {
            ConsulDataSource ds = new ConsulDataSource();
            ds.setUrl("jdbc:consul:mysql://db/shop?password=hunter2&consul.token=t0p");
            ds.setUser("app");
            ds.setPassword("hunter3");
            assertThat(ds.toString()).contains("user=app").doesNotContain("hunter2").doesNotContain("hunter3")
                    .doesNotContain("t0p");
        }
    }

    @Nested
    class Stats {

        @Test
        void countWhatHappenedToEveryConnectionOfTheSameServiceHoweverItIsSpelled() throws SQLException {
            String service = "stats-" + Long.toHexString(System.nanoTime());
            String url = "jdbc:consul:mysql://" + service + "/shop?consul.agent=127.0.0.11:8500&password=s3cr3t";
            assertThat(ConsulDriver.stats(url)).extracting(JdbcStats::failovers, JdbcStats::statementsReRun,
                    JdbcStats::probes, JdbcStats::connectionsInvalidated, JdbcStats::connectionsCutOff,
                    JdbcStats::splitBrains).containsOnly(0L);
            io.waymark.jdbc.internal.Counting.everything(service, 3);
            JdbcStats stats = ConsulDriver.stats("jdbc:consul:mariadb://" + service + ".service.consul/other");
            assertThat(stats).extracting(JdbcStats::statementsReRun, JdbcStats::probes,
                    JdbcStats::connectionsInvalidated, JdbcStats::connectionsCutOff, JdbcStats::splitBrains)
                    .containsOnly(3L);
            assertThat(stats.failovers()).as("10.0.0.1, then .2, then .1 again: two moves").isEqualTo(2);
            assertThat(stats.toString()).contains("statementsReRun=3").doesNotContain("s3cr3t");

            ConsulDataSource ds = new ConsulDataSource();
            ds.setUrl(url);
            assertThat(ds.stats().probes()).isEqualTo(3);
        }

        @Test
        void aBadUrlOrNoneSaysSo() {
            assertThat(catchThrowableOfType(SQLException.class, () -> ConsulDriver.stats("jdbc:consul:mysql://"))
                    .getSQLState()).isEqualTo("08001");
            assertThat(catchThrowableOfType(SQLException.class, () -> new ConsulDataSource().stats()).getMessage())
                    .contains("url is not set");
        }
    }
}
