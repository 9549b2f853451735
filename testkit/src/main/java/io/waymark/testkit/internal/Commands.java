package io.waymark.testkit.internal;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Short-lived helper commands ({@code kill -STOP}, {@code consul tls ...}): run, wait bounded,
 * collect the output. A command still running at the bound is killed, so none outlives its call.
 *
 * <p>Threading: thread-safe; no state.
 */
public final class Commands {

    /** Exit code and combined stdout/stderr of a finished command. */
    public record Result(int exit, String output) {}

    private Commands() {}

    /**
     * Runs {@code command} in {@code dir} (null: the JVM's), stdin from /dev/null.
     *
     * @throws IllegalStateException when it runs longer than {@code timeout} (it is killed then)
     */
    public static Result run(List<String> command, Path dir, Duration timeout) {
        Path out = null;
        Process p = null;
        try {
            // output to a file, not a pipe: reading a pipe would block past the bound on a hang
            out = Files.createTempFile("waymark-command-", ".out");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(command.get(0) + " did not finish within "
                        + timeout.toMillis() + " ms");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        } finally {
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
            }
            if (out != null) {
                out.toFile().delete();
            }
        }
    }
}
