package io.waymark.testkit.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Volume;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;
import org.testcontainers.utility.DockerImageName;

/**
 * One server of a fixture in a container: the containers backend. Each start creates a fresh
 * container from the image with the command of that moment (so a restart carries the node's current
 * role), on the host network, with the fixture's dir bind-mounted at its own path (configs, data
 * and logs keep their paths), as the user owning that dir (so the JVM can delete what the server
 * wrote). The container's output is appended to the log file. Faults act on the server, which is
 * the container's first process: SIGKILL, SIGTERM, SIGSTOP and SIGCONT through the engine, as the
 * processes backend sends them; a stop or kill also removes the container.
 *
 * <p>Threading: thread-safe; lifecycle methods are serialized on the instance.
 */
public final class ContainerProcess extends ServerProcess {

    private final String fixture;
    private final String image;
    private final Supplier<List<String>> command;
    private final Path workDir;
    private final List<Path> mounts;
    private final List<Path> readOnlyMounts;
    private volatile GenericContainer<?> container;
    private volatile String containerId;
    private volatile long lastPid = -1;
    /** Counted down when the output of the current container has all been copied to the log. */
    private volatile CountDownLatch outputCopied = new CountDownLatch(0);

    /**
     * @param fixture the owning fixture, for messages ("RedisReplication")
     * @param command the command of the next start; its first element is the binary's name in the image
     * @param mounts dirs bind-mounted read-write at their own path
     * @param readOnlyMounts dirs bind-mounted read-only at their own path (check scripts)
     */
    public ContainerProcess(String fixture, String name, String image, Supplier<List<String>> command,
            Path workDir, Path log, List<Path> mounts, List<Path> readOnlyMounts) {
        super(name, log);
        this.fixture = fixture;
        this.image = image;
        this.command = command;
        this.workDir = workDir;
        this.mounts = List.copyOf(mounts);
        this.readOnlyMounts = List.copyOf(readOnlyMounts);
    }

    public String image() {
        return image;
    }

    @Override
    public synchronized void start() {
        if (isRunning()) {
            throw new IllegalStateException(name() + " is already running (" + where() + ")");
        }
        DockerClient client = Docker.client(fixture);
        removeContainer();
        List<String> cmd = command.get();
        String user = owner(workDir);
        CountDownLatch copied = new CountDownLatch(1);
        outputCopied = copied;
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image));
        c.withNetworkMode("host")
                .withLabel(Docker.OWNER_LABEL, Reaper.ownerId())
                .withLabel(Docker.NODE_LABEL, name())
                // readiness is the fixture's to judge (with the log tail); a quick exit shows there
                .withStartupCheckStrategy(new Started())
                .withLogConsumer(frame -> append(frame, copied))
                // binds set here, not through withFileSystemBind: that makes Testcontainers probe
                // file mounting once with a container of alpine, an image it would have to pull
                .withCreateContainerCmdModifier(create -> {
                    create.withEntrypoint(cmd.get(0)).withCmd(cmd.subList(1, cmd.size())).withUser(user)
                            .withWorkingDir(workDir.toString());
                    create.getHostConfig().withBinds(binds());
                });
        try {
            c.start();
        } catch (RuntimeException e) {
            String id = c.getContainerId();
            stopQuietly(c);
            throw new IllegalStateException(startFailure(cmd.get(0), e, id), e);
        }
        container = c;
        containerId = c.getContainerId();
        InspectContainerResponse.ContainerState state = client.inspectContainerCmd(containerId).exec().getState();
        lastPid = state.getPidLong() == null ? -1 : state.getPidLong();
        started();
    }

    private String startFailure(String binary, RuntimeException e, String id) {
        String causes = causes(e);
        String what;
        if (causes.contains("executable file not found") || causes.contains("no such file or directory")) {
            what = "the image lacks " + binary + " (or a library it needs): give " + fixture
                    + " an image that has it (see the testkit README, \"Images\")";
        } else if (causes.contains("No such image") || causes.contains("pull access denied")
                || causes.contains("not found") || causes.contains("registry")) {
            what = "the image is neither local nor pullable: build or pull it first (here: "
                    + "scripts/build-test-images), or name another with waymark.testkit.image.*";
        } else {
            what = "see the cause and the container's output";
        }
        return fixture + ": cannot start " + name() + " in a container of image " + image + " ("
                + (id == null ? "not created" : "container " + shortId(id)) + "): " + what + ". Docker said: "
                + causes + "\nlast lines of " + log() + ":\n" + logTail(20);
    }

    private static String causes(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 2000; t = t.getCause() == t ? null : t.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(String.valueOf(t.getMessage()).trim());
        }
        return sb.toString();
    }

    private List<Bind> binds() {
        List<Bind> binds = new ArrayList<>();
        for (Path m : mounts) {
            binds.add(new Bind(m.toString(), new Volume(m.toString()), AccessMode.rw));
        }
        for (Path m : readOnlyMounts) {
            binds.add(new Bind(m.toString(), new Volume(m.toString()), AccessMode.ro));
        }
        return binds;
    }

    private void append(OutputFrame frame, CountDownLatch copied) {
        if (frame.getType() == OutputFrame.OutputType.END) {
            copied.countDown();
            return;
        }
        byte[] bytes = frame.getBytes();
        if (bytes == null || bytes.length == 0) {
            return;
        }
        try {
            Files.write(log(), bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // the dir is gone (fixture closed): the output has nowhere to go
        }
    }

    /** "uid:gid" owning {@code dir}: what the server writes there stays deletable by this JVM. */
    private static String owner(Path dir) {
        try {
            return Files.getAttribute(dir, "unix:uid") + ":" + Files.getAttribute(dir, "unix:gid");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the owner of " + dir, e);
        } catch (UnsupportedOperationException e) {
            return "0:0";
        }
    }

    @Override
    public Integer awaitExit(Duration timeout) {
        String id = containerId;
        if (id == null) {
            throw new IllegalStateException(name() + " was never started");
        }
        try (WaitContainerResultCallback wait = client().waitContainerCmd(id)
                .exec(new WaitContainerResultCallback())) {
            Integer code = wait.awaitStatusCode(timeout.toMillis(), TimeUnit.MILLISECONDS);
            // the log must hold the whole output before the caller reads it
            outputCopied.await(10, TimeUnit.SECONDS);
            removeContainer();
            finished();
            return code;
        } catch (DockerClientException e) {
            // the wait timed out
            kill();
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new IllegalStateException("interrupted while waiting for " + name(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The last {@code lines} lines of the container's output, from the engine while the container
     * exists (the follower that copies it to the log file may lag behind an exit), else the file's.
     */
    @Override
    public String logTail(int lines) {
        String id = containerId;
        if (id != null) {
            try {
                StringBuilder sb = new StringBuilder();
                logs(id, lines).lines().forEach(l -> sb.append("  | ").append(l).append('\n'));
                return sb.toString();
            } catch (RuntimeException e) {
                // removed meanwhile: the file has what was copied
            }
        }
        return super.logTail(lines);
    }

    /** The last {@code tail} lines of the container's stdout and stderr. */
    private String logs(String id, int tail) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        var cmd = client().logContainerCmd(id).withStdOut(true).withStdErr(true).withTail(tail);
        try (ResultCallback.Adapter<Frame> cb = cmd.exec(collector(out))) {
            cb.awaitCompletion(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private static ResultCallback.Adapter<Frame> collector(ByteArrayOutputStream out) {
        return new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                synchronized (out) {
                    out.writeBytes(frame.getPayload());
                }
            }
        };
    }

    @Override
    public long pid() {
        return lastPid;
    }

    @Override
    public boolean isRunning() {
        InspectContainerResponse.ContainerState s = state();
        return s != null && Boolean.TRUE.equals(s.getRunning());
    }

    private InspectContainerResponse.ContainerState state() {
        String id = containerId;
        if (id == null) {
            return null;
        }
        try {
            return client().inspectContainerCmd(id).exec().getState();
        } catch (NotFoundException e) {
            return null;
        }
    }

    @Override
    public Commands.Result exec(List<String> cmd, Path dir, Duration timeout) {
        String id = containerId;
        if (id == null || !isRunning()) {
            throw new IllegalStateException("cannot run " + cmd.get(0) + " next to " + name() + ": not running");
        }
        DockerClient client = client();
        String execId = client.execCreateCmd(id).withCmd(cmd.toArray(String[]::new)).withAttachStdout(true)
                .withAttachStderr(true).withUser(owner(dir == null ? workDir : dir))
                .withWorkingDir((dir == null ? workDir : dir).toString()).exec().getId();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ResultCallback.Adapter<Frame> cb = client.execStartCmd(execId).exec(collector(out))) {
            if (!cb.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(cmd.get(0) + " in " + name() + " did not finish within "
                        + timeout.toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + cmd.get(0) + " in " + name(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Long exit = client.inspectExecCmd(execId).exec().getExitCodeLong();
        synchronized (out) {
            return new Commands.Result(exit == null ? -1 : exit.intValue(), out.toString(StandardCharsets.UTF_8));
        }
    }

    @Override
    protected void terminate(Duration grace) {
        String id = containerId;
        if (id == null) {
            return;
        }
        if (isRunning()) {
            signalTerminate();
            Integer code = waitExit(id, grace);
            if (code == null && isRunning()) {
                signalQuietly("KILL");
                waitExit(id, Duration.ofSeconds(5));
            }
        }
        removeContainer();
    }

    @Override
    protected void forceKill() {
        String id = containerId;
        if (id == null) {
            return;
        }
        if (isRunning()) {
            signalQuietly("KILL");
            waitExit(id, Duration.ofSeconds(10));
        }
        removeContainer();
    }

    private Integer waitExit(String id, Duration timeout) {
        try (WaitContainerResultCallback wait = client().waitContainerCmd(id)
                .exec(new WaitContainerResultCallback())) {
            return wait.awaitStatusCode(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (DockerClientException | NotFoundException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void signal(String signal) {
        client().killContainerCmd(containerId).withSignal(signal).exec();
    }

    private void removeContainer() {
        GenericContainer<?> c = container;
        String id = containerId;
        container = null;
        containerId = null;
        if (c != null) {
            stopQuietly(c);
        }
        if (id != null) {
            Docker.removeContainer(client(), id);
        }
    }

    private static void stopQuietly(GenericContainer<?> c) {
        try {
            c.stop();
        } catch (RuntimeException e) {
            // removed already; Docker.removeContainer tries again by id
        }
    }

    private DockerClient client() {
        return Docker.client(fixture);
    }

    @Override
    protected String where() {
        String id = containerId;
        return (id == null ? "no container" : "container " + shortId(id)) + ", image " + image + ", pid "
                + lastPid;
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }


    /** Succeeds at once: the fixture's readiness checks judge a start. */
    private static final class Started extends StartupCheckStrategy {
        @Override
        public StartupStatus checkStartupState(DockerClient dockerClient, String containerId) {
            return StartupStatus.SUCCESSFUL;
        }
    }
}
