package io.waymark.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.waymark.jdbc.ConsulDriver;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Boot's HikariCP DataSource on a jdbc:consul: URL without driver-class-name (no connection is made). */
class WaymarkJdbcAutoConfigurationTest {

    private static final String URL = "jdbc:consul:mariadb://w-master-mysql-3306.service.consul/shop"
            + "?consul.agent=127.0.0.11:8500&password=secret";

    private final ApplicationContextRunner boot = new ApplicationContextRunner()
            .withConfiguration(BootLine.dataSource())
            .withPropertyValues("spring.datasource.url=" + URL, "spring.datasource.username=app",
                    "spring.datasource.hikari.data-source-properties.consul.readService=r-slave-mysql-3306");

    @Test
    void bootAloneCannotTellTheDriverOfAConsulUrl() {
        boot.run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("driver");
        });
    }

    @Test
    void withTheStarterHikariGetsTheConsulDriverAndTheConsulDataSourceProperties() {
        boot.withConfiguration(AutoConfigurations.of(WaymarkJdbcAutoConfiguration.class)).run(context -> {
            assertThat(context).hasNotFailed();
            HikariDataSource ds = (HikariDataSource) context.getBean(DataSource.class);
            assertThat(ds.getDriverClassName()).isEqualTo(ConsulDriver.class.getName());
            assertThat(ds.getJdbcUrl()).isEqualTo(URL);
            assertThat(ds.getUsername()).isEqualTo("app");
            assertThat(ds.getDataSourceProperties()).containsEntry("consul.readService", "r-slave-mysql-3306");
            assertThat(context.getBean(BootLine.jdbcConnectionDetails())
                    .toString()).doesNotContain("secret");
        });
    }

    @Test
    void anExplicitDriverClassNameWinsAndOtherUrlsAreLeftToBoot() {
        ApplicationContextRunner withStarter = boot.withConfiguration(
                AutoConfigurations.of(WaymarkJdbcAutoConfiguration.class));
        withStarter.withPropertyValues("spring.datasource.driver-class-name=" + ConsulDriver.class.getName())
                .run(context -> assertThat(((HikariDataSource) context.getBean(DataSource.class)).getDriverClassName())
                        .isEqualTo(ConsulDriver.class.getName()));
        withStarter.withPropertyValues("spring.datasource.url=jdbc:mariadb://127.0.0.1:1/shop").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean("waymarkJdbcConnectionDetails");
        });
    }
}
