package io.waymark.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.waymark.jdbc.internal.SqlText.Effect;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What the connection reads from SQL text: transaction boundaries and statements that run piece by piece. */
class SqlTextTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "BEGIN                                   | BEGINS",
        "begin work                              | BEGINS",
        "  -- x\\n# y\\n/* z */ begin work         | BEGINS",
        "start\\ttransaction                      | BEGINS",
        " /* app */ start  transaction read write| BEGINS",
        "/*! START TRANSACTION */                | BEGINS",
        "/*!40101 START TRANSACTION */           | BEGINS",
        "/*M!100100 START TRANSACTION*/          | BEGINS",
        "/* a */ /*!BEGIN*/                      | BEGINS",
        "XA START 'x'                            | BEGINS",
        "XA BEGIN 'x'                            | BEGINS",
        "COMMIT                                  | ENDS",
        "commit work                             | ENDS",
        "COMMIT AND NO CHAIN                     | ENDS",
        "COMMIT WORK AND NO CHAIN NO RELEASE     | ENDS",
        "ROLLBACK                                | ENDS",
        "/*!ROLLBACK*/                           | ENDS",
        "XA COMMIT 'x'                           | ENDS",
        "XA ROLLBACK 'x'                         | ENDS",
        "COMMIT AND CHAIN                        | CHAINS",
        "commit work and chain                   | CHAINS",
        "ROLLBACK AND CHAIN                      | CHAINS",
        "ROLLBACK WORK AND CHAIN                 | CHAINS",
        "ROLLBACK TO SAVEPOINT a                 | NONE",
        "ROLLBACK\\tTO a                          | NONE",
        "ROLLBACK WORK TO SAVEPOINT a            | NONE",
        "SET autocommit = 0                      | SESSION_TRANSACTION_SETTINGS",
        "SET SESSION autocommit=0                | SESSION_TRANSACTION_SETTINGS",
        "set @@autocommit := 1                   | SESSION_TRANSACTION_SETTINGS",
        "/*!SET autocommit=0*/                   | SESSION_TRANSACTION_SETTINGS",
        "SET completion_type = CHAIN             | SESSION_TRANSACTION_SETTINGS",
        "SET @x = 1                              | NONE",
        "SELECT 1                                | NONE",
        "INSERT INTO t VALUES (1)                | NONE",
        "/* unterminated                         | NONE",
        "BEGIN NOT ATOMIC SELECT 1; END          | NONE",
        "COMMITTED                               | NONE",
        "BEGINNING                               | NONE",
        "--not a comment\\nBEGIN                  | NONE"})
    void readsTheTransactionEffect(String sql, Effect effect) {
        assertThat(SqlText.effect(sql.replace("\\n", "\n").replace("\\t", "\t"))).isEqualTo(effect);
    }

    @ParameterizedTest
    @ValueSource(strings = {"CALL p()", "  call p(1)", "/* x */ CALL p", "{call p(?)}", "{ ?= call f(?) }",
        "{?=CALL f}", "EXECUTE stmt", "EXECUTE IMMEDIATE 'CALL p()'", "BEGIN NOT ATOMIC INSERT INTO t VALUES (1); END",
        "INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)", "INSERT INTO t VALUES (1);INSERT INTO t VALUES (2);",
        "DELETE FROM t; -- and\nDELETE FROM u", "/*!CALL p()*/"})
    void statementsThatMayRunPieceByPiece(String sql) {
        assertThat(SqlText.mayRunPieceByPiece(sql)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (1);", "INSERT INTO t VALUES (1) ; ",
        "INSERT INTO t VALUES (1); -- done", "INSERT INTO t VALUES (';x')", "INSERT INTO t VALUES (\";x\")",
        "INSERT INTO `a;b` VALUES (1)", "INSERT INTO t VALUES ('it''s; fine')", "INSERT INTO t VALUES ('a\\';b')",
        "UPDATE t SET a = 1 /* ; */ WHERE b = 2", "SELECT 'CALL p()'", "INSERT INTO calls VALUES (1)",
        "DO f()", "SELECT f()"})
    void singleStatements(String sql) {
        assertThat(SqlText.mayRunPieceByPiece(sql)).isFalse();
    }
}
