package io.waymark.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.waymark.jdbc.internal.ServerErrors.Kind;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The one table of what MySQL / MariaDB errors mean for routing. */
class ServerErrorsTest {

    private static final String RO_MARIADB =
            "The MariaDB server is running with the --read-only option so it cannot execute this statement";
    private static final String RO_MYSQL =
            "The MySQL server is running with the --read-only option so it cannot execute this statement";
    private static final String SUPER_RO =
            "The MySQL server is running with the --super-read-only option so it cannot execute this statement";

    static Stream<Arguments> table() {
        return Stream.of(
                // code, SQLState, message, kind
                Arguments.of(1290, "HY000", RO_MARIADB, Kind.READ_ONLY_REFUSAL),
                Arguments.of(1290, "HY000", "(conn=12) " + RO_MARIADB, Kind.READ_ONLY_REFUSAL),
                Arguments.of(1290, "HY000", RO_MYSQL, Kind.READ_ONLY_REFUSAL),
                Arguments.of(1290, "HY000", SUPER_RO, Kind.READ_ONLY_REFUSAL),
                Arguments.of(1290, "HY000", "Der MariaDB-Server läuft mit der Option --read-only", Kind.READ_ONLY_REFUSAL),
                Arguments.of(1836, "HY000", "Running in read-only mode", Kind.READ_ONLY_REFUSAL),
                // 1290 is ER_OPTION_PREVENTS_STATEMENT: other options say nothing of the server's role
                Arguments.of(1290, "HY000", "The MariaDB server is running with the --secure-file-priv option so it"
                        + " cannot execute this statement", Kind.OTHER),
                Arguments.of(1290, "HY000", "The MariaDB server is running with the --skip-grant-tables option so it"
                        + " cannot execute this statement", Kind.OTHER),
                Arguments.of(1290, "HY000", "The MariaDB server is running with the --secure-file-priv option so it"
                        + " cannot execute this statement\nQuery is: SELECT '--read-only' INTO OUTFILE '/x'", Kind.OTHER),
                Arguments.of(1290, "HY000", null, Kind.OTHER),
                Arguments.of(1290, "08S01", RO_MARIADB, Kind.CONNECTION_LOST),
                Arguments.of(1792, "25006", "Cannot execute statement in a READ ONLY transaction.",
                        Kind.READ_ONLY_TRANSACTION),
                Arguments.of(2013, "HY000", "Lost connection to server during query", Kind.CONNECTION_LOST),
                Arguments.of(2006, "HY000", "MySQL server has gone away", Kind.CONNECTION_LOST),
                Arguments.of(1927, "70100", "Connection was killed", Kind.CONNECTION_LOST),
                Arguments.of(1053, "08S01", "Server shutdown in progress", Kind.CONNECTION_LOST),
                Arguments.of(0, "08S01", "Communications link failure", Kind.CONNECTION_LOST),
                Arguments.of(0, "08000", "Socket closed", Kind.CONNECTION_LOST),
                Arguments.of(1040, "08004", "Too many connections", Kind.CONNECTION_LOST),
                Arguments.of(1045, "28000", "Access denied for user 'app'", Kind.ACCESS_DENIED),
                Arguments.of(1227, "42000", "Access denied; you need (at least one of) the SLAVE MONITOR privilege(s)",
                        Kind.MISSING_PRIVILEGE),
                Arguments.of(1193, "HY000", "Unknown system variable 'super_read_only'", Kind.UNKNOWN_VARIABLE),
                Arguments.of(1317, "70100", "Query execution was interrupted", Kind.OTHER),
                Arguments.of(1062, "23000", "Duplicate entry '1' for key 'PRIMARY'", Kind.OTHER),
                Arguments.of(1064, "42000", "You have an error in your SQL syntax", Kind.OTHER),
                Arguments.of(1049, "42000", "Unknown database 'shop'", Kind.OTHER));
    }

    @ParameterizedTest
    @MethodSource("table")
    void classifiesEachErrorByCodeStateAndMessage(int code, String state, String message, Kind kind) {
        assertThat(ServerErrors.classify(new SQLException(message, state, code))).isEqualTo(kind);
    }

    @Test
    void connectionExceptionTypesAreConnectionLossWhateverTheirState() {
        assertThat(ServerErrors.classify(new SQLNonTransientConnectionException("closed", null, 0)))
                .isEqualTo(Kind.CONNECTION_LOST);
        assertThat(ServerErrors.classify(new SQLTransientConnectionException("timeout", "HY000", 0)))
                .isEqualTo(Kind.CONNECTION_LOST);
    }

    @Test
    void aConnectionLossAnywhereInTheChainWins() {
        SQLException top = new SQLException(RO_MARIADB, "HY000", 1290);
        top.setNextException(new SQLException("gone", "08S01", 0));
        assertThat(ServerErrors.classify(top)).isEqualTo(Kind.CONNECTION_LOST);
        assertThat(ServerErrors.own(top)).as("the exception itself").isEqualTo(Kind.READ_ONLY_REFUSAL);
    }

    @Test
    void aRefusalFoundDownTheChainCounts() {
        BatchUpdateException batch = new BatchUpdateException("batch failed", "HY000", 0, new int[0]);
        batch.setNextException(new SQLException(RO_MARIADB, "HY000", 1290));
        assertThat(ServerErrors.classify(batch)).isEqualTo(Kind.READ_ONLY_REFUSAL);
        SQLException wrapped = new SQLException("wrapped", "HY000", 0, new SQLException("Running in read-only mode",
                "HY000", 1836));
        assertThat(ServerErrors.classify(wrapped)).isEqualTo(Kind.READ_ONLY_REFUSAL);
    }

    @Test
    void aCycleInTheChainEnds() {
        SQLException a = new SQLException("a", "HY000", 1);
        SQLException b = new SQLException("b", "HY000", 2);
        a.setNextException(b);
        b.setNextException(a);
        assertThat(ServerErrors.classify(a)).isEqualTo(Kind.OTHER);
    }

    @Test
    void onlyConnectionTroubleAndRefusalsAreWorthAnotherServerAtConnect() {
        assertThat(ServerErrors.worthAnotherServer(new SQLException("refused", "08000", 0))).isTrue();
        assertThat(ServerErrors.worthAnotherServer(new SQLException(RO_MARIADB, "HY000", 1290))).isTrue();
        assertThat(ServerErrors.worthAnotherServer(new SQLException("no state", null, 0))).isTrue();
        assertThat(ServerErrors.worthAnotherServer(new SQLException("Access denied", "28000", 1045))).isFalse();
        assertThat(ServerErrors.worthAnotherServer(new SQLException("Unknown database", "42000", 1049))).isFalse();
        assertThat(ServerErrors.worthAnotherServer(new SQLException("bad option", "HY000", 1290))).isFalse();
    }
}
