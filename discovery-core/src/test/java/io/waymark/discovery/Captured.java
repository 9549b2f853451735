package io.waymark.discovery;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Everything a test run may print or throw, for scanning it for a secret: System.out and
 * System.err (slf4j-simple's target, every level it is configured for), java.util.logging at
 * every level (OkHttp logs there), uncaught exceptions of every thread, and the exceptions
 * the test hands in, with their causes, suppressed exceptions and stack traces.
 */
final class Captured implements AutoCloseable {

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    private final Thread.UncaughtExceptionHandler uncaught = Thread.getDefaultUncaughtExceptionHandler();
    private final Logger julRoot = Logger.getLogger("");
    private final Level julLevel = julRoot.getLevel();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final List<String> texts = new CopyOnWriteArrayList<>();
    private final Handler jul = new Handler() {
        @Override
        public void publish(LogRecord r) {
            texts.add(r.getLevel() + " " + r.getLoggerName() + " " + r.getMessage() + " "
                    + java.util.Arrays.toString(r.getParameters()));
            if (r.getThrown() != null) {
                add(r.getThrown());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    Captured() {
        System.setOut(new PrintStream(new TeeStream(out, bytes), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new TeeStream(err, bytes), true, StandardCharsets.UTF_8));
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            texts.add("uncaught in " + t.getName());
            add(e);
        });
        julRoot.setLevel(Level.ALL);
        julRoot.addHandler(jul);
    }

    /** Records {@code t} with its whole chain and stack traces. */
    void add(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        texts.add(w.toString());
    }

    /** Everything captured so far. */
    String all() {
        return bytes.toString(StandardCharsets.UTF_8) + "\n" + String.join("\n", texts);
    }

    @Override
    public void close() {
        System.setOut(out);
        System.setErr(err);
        Thread.setDefaultUncaughtExceptionHandler(uncaught);
        julRoot.removeHandler(jul);
        julRoot.setLevel(julLevel);
    }
}
