package io.waymark.examples.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Runs the demo in-process and hands back what it saw, for the test that keeps it from rotting. */
public final class SeedDemoRunner {

    private SeedDemoRunner() {
    }

    /** The demo's result and everything it printed. */
    public record Outcome(long writes, long errors, Map<String, String> wrongCounters, boolean followed, String output) {
    }

    public static Outcome run(String... args) throws InterruptedException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(new TeeStream(bytes, System.out), true, StandardCharsets.UTF_8);
        SeedDemo.Result r = new SeedDemo(DemoOptions.parse(args), tee).run();
        return new Outcome(r.writes(), r.errors(), r.wrongCounters(), r.followed(), bytes.toString(StandardCharsets.UTF_8));
    }

    /** Keeps the demo's output visible while capturing it. */
    private static final class TeeStream extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        TeeStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
