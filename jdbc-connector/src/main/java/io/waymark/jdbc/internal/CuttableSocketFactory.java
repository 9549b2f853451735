package io.waymark.jdbc.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Plain sockets for MariaDB Connector/J (its {@code socketFactory} option, set by
 * {@link DelegateConnections} on the connections it opens), each also handed to the connection
 * being opened on the calling thread, so that a connection to a frozen server can be cut off by
 * closing its socket. MariaDB Connector/J's own {@code abort()} sends {@code KILL} over a second
 * connection first, which waits as long as the frozen server does. Not API: public only because
 * the driver instantiates it by name.
 *
 * <p><b>Threading:</b> stateless apart from the calling thread's capture slot.
 */
public final class CuttableSocketFactory extends SocketFactory {

    private static final ThreadLocal<Socket[]> CAPTURE = new ThreadLocal<>();

    /** For the driver, which instantiates it by name. */
    public CuttableSocketFactory() {
    }

    /** Runs {@code open} on this thread, putting the socket this factory makes meanwhile (if any) in {@code slot[0]}. */
    static <T, E extends Exception> T capturing(Socket[] slot, Opening<T, E> open) throws E {
        Socket[] outer = CAPTURE.get();
        CAPTURE.set(slot);
        try {
            return open.open();
        } finally {
            if (outer == null) {
                CAPTURE.remove();
            } else {
                CAPTURE.set(outer);
            }
        }
    }

    /** Opening a connection. */
    @FunctionalInterface
    interface Opening<T, E extends Exception> {
        T open() throws E;
    }

    private static Socket captured(Socket s) {
        Socket[] slot = CAPTURE.get();
        if (slot != null) {
            slot[0] = s;
        }
        return s;
    }

    /** What MariaDB Connector/J calls: an unconnected socket, which it connects itself. */
    @Override
    public Socket createSocket() {
        return captured(new Socket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    private Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
        Socket s = createSocket();
        try {
            if (local != null) {
                s.bind(local);
            }
            s.connect(remote);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }
}
