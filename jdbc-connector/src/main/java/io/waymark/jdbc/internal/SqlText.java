package io.waymark.jdbc.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the connection reads from SQL text, the MySQL / MariaDB way: whether a statement opens or
 * ends a transaction, or changes how transactions work ({@code SET autocommit}), and whether it
 * may run as several statements (so that a refusal may follow a part that ran). Comments are
 * skipped, except executable ones ({@code /*!...*&#47;}, {@code /*M!...*&#47;}), whose text the
 * server runs and which are read as SQL here.
 *
 * <p>{@link #effect} runs before every statement: it returns at the first character for the usual
 * {@code SELECT}/{@code INSERT}/{@code UPDATE}/{@code DELETE}.
 *
 * <p><b>Threading:</b> stateless.
 */
final class SqlText {

    /** What a statement does to the transaction state. */
    enum Effect {
        NONE,
        /** {@code BEGIN}, {@code START TRANSACTION}, {@code XA START|BEGIN}. */
        BEGINS,
        /** {@code COMMIT}, {@code ROLLBACK} (not to a savepoint), {@code XA COMMIT|ROLLBACK}. */
        ENDS,
        /** {@code COMMIT|ROLLBACK ... AND CHAIN}: ends one transaction and opens the next at once. */
        CHAINS,
        /** {@code SET autocommit} or {@code SET completion_type}: the JDBC view of transactions no longer holds. */
        SESSION_TRANSACTION_SETTINGS
    }

    /** How many leading words are read: enough for {@code ROLLBACK WORK AND NO CHAIN NO RELEASE}. */
    private static final int WORDS = 6;

    private SqlText() {
    }

    /** The transaction effect of a statement. */
    static Effect effect(String sql) {
        int i = skipToCode(sql, 0);
        if (i >= sql.length()) {
            return Effect.NONE;
        }
        // cheap exit for the usual statements (SELECT, INSERT, UPDATE, ...): this runs before every execution
        if (!startsWithAny(sql, i, "BEGIN", "START", "XA", "COMMIT", "ROLLBACK", "SET")) {
            return Effect.NONE;
        }
        List<String> w = words(sql, i, WORDS);
        String first = w.isEmpty() ? "" : w.get(0);
        switch (first) {
            case "BEGIN":
                // BEGIN NOT ATOMIC ... END is a compound statement (MariaDB), not a transaction
                return w.size() > 1 && w.get(1).equals("NOT") ? Effect.NONE : Effect.BEGINS;
            case "START":
                return w.size() > 1 && w.get(1).equals("TRANSACTION") ? Effect.BEGINS : Effect.NONE;
            case "XA":
                String verb = w.size() > 1 ? w.get(1) : "";
                if (verb.equals("START") || verb.equals("BEGIN")) {
                    return Effect.BEGINS;
                }
                return verb.equals("COMMIT") || verb.equals("ROLLBACK") ? Effect.ENDS : Effect.NONE;
            case "COMMIT":
            case "ROLLBACK":
                return completion(w);
            case "SET":
                String rest = sql.substring(i).toLowerCase(Locale.ROOT);
                return rest.contains("autocommit") || rest.contains("completion_type")
                        ? Effect.SESSION_TRANSACTION_SETTINGS : Effect.NONE;
            default:
                return Effect.NONE;
        }
    }

    private static boolean startsWithAny(String sql, int i, String... keywords) {
        for (String k : keywords) {
            if (sql.regionMatches(true, i, k, 0, k.length())) {
                return true;
            }
        }
        return false;
    }

    /** {@code COMMIT|ROLLBACK [WORK] [TO [SAVEPOINT] x] [AND [NO] CHAIN] [[NO] RELEASE]}. */
    private static Effect completion(List<String> w) {
        int k = 1;
        if (k < w.size() && w.get(k).equals("WORK")) {
            k++;
        }
        if (k < w.size() && w.get(k).equals("TO")) {
            return Effect.NONE;
        }
        if (k + 1 < w.size() && w.get(k).equals("AND") && w.get(k + 1).equals("CHAIN")) {
            return Effect.CHAINS;
        }
        return Effect.ENDS;
    }

    /**
     * Whether a statement may run as several statements, each on its own: {@code CALL} (and the
     * JDBC escape {@code {call ...}}), {@code EXECUTE} of a prepared statement (it may be a CALL),
     * a compound {@code BEGIN NOT ATOMIC}, or text with a second statement after a {@code ;}. In
     * auto-commit mode each part commits on its own, so an error may follow parts that ran.
     */
    static boolean mayRunPieceByPiece(String sql) {
        int i = skipToCode(sql, 0);
        if (i < sql.length() && sql.charAt(i) == '{') {
            // {call p(?)} and {? = call f(?)}
            int j = skipToCode(sql, i + 1);
            if (j < sql.length() && sql.charAt(j) == '?') {
                j = skipToCode(sql, j + 1);
                j = j < sql.length() && sql.charAt(j) == '=' ? skipToCode(sql, j + 1) : j;
            }
            i = j;
        }
        List<String> w = words(sql, i, 3);
        String first = w.isEmpty() ? "" : w.get(0);
        if (first.equals("CALL") || first.equals("EXECUTE")
                || (first.equals("BEGIN") && w.size() > 2 && w.get(1).equals("NOT") && w.get(2).equals("ATOMIC"))) {
            return true;
        }
        return hasSecondStatement(sql);
    }

    /** A {@code ;} outside quotes and comments followed by anything but blanks, comments and more {@code ;}. */
    private static boolean hasSecondStatement(String sql) {
        int n = sql.length();
        boolean separated = false;
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                if (separated) {
                    return true;
                }
                i = skipQuoted(sql, i, c);
            } else if (startsComment(sql, i)) {
                i = skipComment(sql, i);
            } else if (c == ';') {
                separated = true;
                i++;
            } else if (Character.isWhitespace(c)) {
                i++;
            } else if (separated) {
                return true;
            } else {
                i++;
            }
        }
        return false;
    }

    /** Past a quoted string, identifier or name opened at {@code i} (doubled quotes and backslash escapes inside). */
    private static int skipQuoted(String sql, int i, char quote) {
        int n = sql.length();
        int j = i + 1;
        while (j < n) {
            char c = sql.charAt(j);
            if (c == '\\' && quote != '`') {
                j += 2;
            } else if (c == quote) {
                if (j + 1 < n && sql.charAt(j + 1) == quote) {
                    j += 2;
                } else {
                    return j + 1;
                }
            } else {
                j++;
            }
        }
        return n;
    }

    /**
     * The index of the first character of code at or after {@code i}: past whitespace and
     * comments; into executable comments, whose text is code.
     */
    private static int skipToCode(String sql, int i) {
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (sql.startsWith("/*!", i) || sql.startsWith("/*M!", i)) {
                i += sql.charAt(i + 2) == '!' ? 3 : 4;
                while (i < n && Character.isDigit(sql.charAt(i))) {
                    i++;
                }
            } else if (startsComment(sql, i)) {
                i = skipComment(sql, i);
            } else {
                return i;
            }
        }
        return n;
    }

    /** {@code /*}, {@code #}, or {@code --} followed by a blank or control character (MySQL's rule). */
    private static boolean startsComment(String sql, int i) {
        char c = sql.charAt(i);
        if (c == '#') {
            return true;
        }
        if (c == '/' && i + 1 < sql.length() && sql.charAt(i + 1) == '*') {
            return !sql.startsWith("/*!", i) && !sql.startsWith("/*M!", i);
        }
        return c == '-' && sql.startsWith("--", i) && (i + 2 >= sql.length() || sql.charAt(i + 2) <= ' ');
    }

    private static int skipComment(String sql, int i) {
        if (sql.charAt(i) == '/') {
            int end = sql.indexOf("*/", i + 2);
            return end < 0 ? sql.length() : end + 2;
        }
        int end = sql.indexOf('\n', i);
        return end < 0 ? sql.length() : end + 1;
    }

    /** Up to {@code max} words (letters and underscores, upper case) from {@code i}, across blanks and comments. */
    private static List<String> words(String sql, int i, int max) {
        List<String> words = new ArrayList<>(max);
        int n = sql.length();
        int j = i;
        while (words.size() < max) {
            j = skipToCode(sql, j);
            int start = j;
            while (j < n && (Character.isLetter(sql.charAt(j)) || sql.charAt(j) == '_')) {
                j++;
            }
            if (j == start) {
                break;
            }
            words.add(sql.substring(start, j).toUpperCase(Locale.ROOT));
        }
        return words;
    }
}
