package io.waymark.discovery;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import javax.net.SocketFactory;
import org.jspecify.annotations.Nullable;

/**
 * Sockets to an agent's HTTP API on a Unix domain socket ({@code unix:///path}), for OkHttp,
 * which takes a {@link SocketFactory}: whatever address OkHttp connects to, the socket connects
 * to the path. {@code java.net.Socket} cannot speak to Unix domain sockets and a
 * {@link SocketChannel} for one has no {@code socket()}, so the socket here wraps the channel
 * and gives OkHttp what it uses: streams, close, shutdown, and the read timeout
 * ({@code SO_TIMEOUT}, which OkHttp relies on, e.g. a 1 ms read to see whether a pooled
 * connection is still open), made with a selector since channel streams ignore it.
 *
 * <p>Threading: a factory is immutable; a socket's reads and writes may run on two threads
 * at once, and {@code close()} on a third.
 */
final class UnixSocketFactory extends SocketFactory {

    private final UnixDomainSocketAddress address;

    UnixSocketFactory(String path) {
        this.address = UnixDomainSocketAddress.of(path);
    }

    @Override
    public Socket createSocket() {
        return new UnixSocket(address);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected();
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected();
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected();
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return connected();
    }

    private Socket connected() throws IOException {
        Socket s = createSocket();
        s.connect(null);
        return s;
    }

    /** A socket on a Unix domain socket channel. */
    static final class UnixSocket extends Socket {
        private final UnixDomainSocketAddress address;
        private volatile @Nullable SocketChannel channel;
        private volatile @Nullable Selector readable;
        private volatile @Nullable Selector writable;
        private volatile int soTimeout;
        private volatile boolean closed;
        private volatile boolean inputShut;
        private volatile boolean outputShut;
        private final Object readLock = new Object();
        private final Object writeLock = new Object();

        UnixSocket(UnixDomainSocketAddress address) {
            this.address = address;
        }

        @Override
        public void connect(SocketAddress ignored) throws IOException {
            connect(ignored, 0);
        }

        /** Connects to the path, whatever address is given; a Unix domain connect does not wait. */
        @Override
        public synchronized void connect(SocketAddress ignored, int timeout) throws IOException {
            if (closed) {
                throw new SocketException("Socket is closed");
            }
            SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                c.connect(address);
                c.configureBlocking(false);
                readable = Selector.open();
                writable = Selector.open();
                c.register(readable, SelectionKey.OP_READ);
                c.register(writable, SelectionKey.OP_WRITE);
            } catch (IOException e) {
                c.close();
                closeSelectors();
                throw new IOException("cannot connect to the Consul agent socket " + address.getPath() + ": " + e, e);
            }
            channel = c;
        }

        @Override
        public InputStream getInputStream() throws IOException {
            requireOpen();
            return new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    int n = read(one, 0, 1);
                    return n < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return UnixSocket.this.read(ByteBuffer.wrap(b, off, len));
                }

                @Override
                public void close() throws IOException {
                    UnixSocket.this.close();
                }
            };
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            requireOpen();
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    UnixSocket.this.write(ByteBuffer.wrap(b, off, len));
                }

                @Override
                public void close() throws IOException {
                    UnixSocket.this.close();
                }
            };
        }

        private int read(ByteBuffer buf) throws IOException {
            if (!buf.hasRemaining()) {
                return 0;
            }
            SocketChannel c = requireOpen();
            if (inputShut) {
                return -1;
            }
            int timeout = soTimeout;
            long deadline = timeout == 0 ? 0 : System.nanoTime() + timeout * 1_000_000L;
            synchronized (readLock) {
                for (;;) {
                    int n = c.read(buf);
                    if (n != 0) {
                        return n;
                    }
                    long left = deadline - System.nanoTime();
                    if (timeout != 0 && left <= 0) {
                        throw new SocketTimeoutException("Read timed out");
                    }
                    await(readable, timeout == 0 ? 0 : Math.max(1, left / 1_000_000L));
                }
            }
        }

        private void write(ByteBuffer buf) throws IOException {
            SocketChannel c = requireOpen();
            synchronized (writeLock) {
                while (buf.hasRemaining()) {
                    if (c.write(buf) == 0) {
                        await(writable, 0);
                    }
                }
            }
        }

        /** Waits until the channel is ready or {@code millis} pass (0: no limit); fails once the socket is closed. */
        private void await(@Nullable Selector selector, long millis) throws IOException {
            if (selector == null) { // made before the channel: closed meanwhile, or never connected
                requireOpen();
                throw new SocketException("Socket closed");
            }
            try {
                selector.select(millis);
                if (!closed) {
                    selector.selectedKeys().clear();
                }
            } catch (ClosedSelectorException e) {
                // closed meanwhile
            }
            requireOpen();
        }

        private SocketChannel requireOpen() throws IOException {
            SocketChannel c = channel;
            if (closed) {
                throw new SocketException("Socket closed");
            }
            if (c == null) {
                throw new SocketException("Socket is not connected");
            }
            return c;
        }

        // Socket's own lock is not needed: the state is volatile and closing twice is harmless
        // (SocketChannel.close and Selector.close are idempotent)
        @SuppressWarnings("UnsynchronizedOverridesSynchronized")
        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            SocketChannel c = channel;
            try {
                if (c != null) {
                    c.close();
                }
            } finally {
                closeSelectors();
            }
        }

        private void closeSelectors() {
            for (Selector s : new Selector[] {readable, writable}) {
                if (s != null) {
                    // wakes a thread blocked in select, which then finds the socket closed
                    s.wakeup();
                    try {
                        s.close();
                    } catch (IOException e) {
                        // closing: nothing to do
                    }
                }
            }
        }

        @Override
        public void shutdownInput() throws IOException {
            inputShut = true;
            try {
                requireOpen().shutdownInput();
            } catch (ClosedChannelException e) {
                // already closed
            }
        }

        @Override
        public void shutdownOutput() throws IOException {
            outputShut = true;
            try {
                requireOpen().shutdownOutput();
            } catch (ClosedChannelException e) {
                // already closed
            }
        }

        @Override
        public boolean isConnected() {
            return channel != null;
        }

        @Override
        public boolean isBound() {
            return channel != null;
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        @Override
        public boolean isInputShutdown() {
            return inputShut;
        }

        @Override
        public boolean isOutputShutdown() {
            return outputShut;
        }

        @SuppressWarnings("UnsynchronizedOverridesSynchronized") // soTimeout is volatile
        @Override
        public void setSoTimeout(int timeout) throws SocketException {
            if (timeout < 0) {
                throw new IllegalArgumentException("timeout < 0");
            }
            soTimeout = timeout;
        }

        @SuppressWarnings("UnsynchronizedOverridesSynchronized") // soTimeout is volatile
        @Override
        public int getSoTimeout() {
            return soTimeout;
        }

        @Override
        public void setTcpNoDelay(boolean on) {
            // not TCP
        }

        @Override
        public void setKeepAlive(boolean on) {
            // not TCP
        }

        @Override
        public InetAddress getInetAddress() {
            return InetAddress.getLoopbackAddress();
        }

        @Override
        public InetAddress getLocalAddress() {
            return InetAddress.getLoopbackAddress();
        }

        @Override
        public SocketAddress getRemoteSocketAddress() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), AgentAddress.DEFAULT_HTTP_PORT);
        }

        @Override
        public String toString() {
            return "UnixSocket[" + address.getPath() + (closed ? ", closed" : "") + "]";
        }
    }
}
