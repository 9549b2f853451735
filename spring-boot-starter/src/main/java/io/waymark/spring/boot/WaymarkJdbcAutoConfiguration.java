package io.waymark.spring.boot;

import io.waymark.jdbc.ConsulDriver;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * {@code spring.datasource.url=jdbc:consul:...} under Boot's DataSource auto-configuration without
 * {@code spring.datasource.driver-class-name}: Boot cannot tell the driver from a {@code jdbc:consul:}
 * URL (its {@code DatabaseDriver} list is closed), so this supplies the {@link JdbcConnectionDetails}
 * Boot's pools read (HikariCP included): the URL, user and password of {@code spring.datasource.*}, and
 * {@link ConsulDriver} as the driver unless one is set. The {@code consul.*} settings can go in the URL
 * or in {@code spring.datasource.hikari.data-source-properties.consul.*}.
 *
 * <p><b>Threading:</b> Spring calls it once at startup.
 */
@AutoConfiguration(before = DataSourceAutoConfiguration.class)
@ConditionalOnClass({ConsulDriver.class, JdbcConnectionDetails.class})
@Conditional(OnConsulJdbcUrl.class)
@EnableConfigurationProperties(DataSourceProperties.class)
public class WaymarkJdbcAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(JdbcConnectionDetails.class)
    public JdbcConnectionDetails waymarkJdbcConnectionDetails(DataSourceProperties properties) {
        return new JdbcConnectionDetails() {
            @Override
            public String getUsername() {
                return properties.determineUsername();
            }

            @Override
            public String getPassword() {
                return properties.determinePassword();
            }

            @Override
            public String getJdbcUrl() {
                return properties.determineUrl();
            }

            @Override
            public String getDriverClassName() {
                return OnConsulJdbcUrl.driverClassName(properties.getDriverClassName());
            }

            @Override
            public String getXaDataSourceClassName() {
                return null;
            }

            @Override
            public String toString() {
                return "ConsulJdbcConnectionDetails[" + OnConsulJdbcUrl.withoutSecrets(getJdbcUrl()) + "]";
            }
        };
    }
}
