package io.waymark.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class DelegateConnectionsTest {

    private final FakeServers servers = new FakeServers();
    private final FakeServers.Server a = servers.add("10.0.0.1:3306", 1, false);

    private DelegateConnections.Opened open(String url) throws SQLException {
        return DelegateConnections.open(servers, ConsulUrl.parse(url, null), "10.0.0.1", 3306, 10_000);
    }

    private Properties lastProperties() {
        return servers.properties.get(servers.properties.size() - 1);
    }

    @Nested
    class Opening {

        /** Neither delegate bounds a handshake by default: a frozen server would hold connect() for good. */
        @Test
        void isBoundedWhileTheConnectionIsOpenedAndVerifiedThenReadsWaitAsLongAsTheyNeed() throws SQLException {
            DelegateConnections.Opened opened = open("jdbc:consul:mysql://db/shop?password=pw");
            assertThat(lastProperties()).containsEntry("connectTimeout", "2000").containsEntry("socketTimeout", "2000");
            DelegateConnections.settle(opened);
            assertThat(a.connections.get(0).networkTimeout).as("reads unbounded again").isZero();
        }

        @Test
        void neverBeyondTheTimeLeft() throws SQLException {
            DelegateConnections.open(servers, ConsulUrl.parse("jdbc:consul:mysql://db/shop?password=pw", null),
                    "10.0.0.1", 3306, 300);
            assertThat(lastProperties()).containsEntry("connectTimeout", "300");
        }

        @Test
        void theUrlsOwnTimeoutsWin() throws SQLException {
            DelegateConnections.Opened opened = open(
                    "jdbc:consul:mysql://db/shop?password=pw&connectTimeout=5000&SocketTimeout=30000");
            assertThat(lastProperties()).doesNotContainKeys("connectTimeout", "socketTimeout");
            assertThat(servers.urls.get(0)).contains("connectTimeout=5000").contains("SocketTimeout=30000");
            DelegateConnections.settle(opened);
            assertThat(a.connections.get(0).networkTimeout).as("left as the URL set it").isEqualTo(-1);
        }

        @Test
        void mariadbConnectionsHandTheirSocketOverUnlessTheUrlNamesAFactory() throws SQLException {
            open("jdbc:consul:mariadb://db/shop?password=pw");
            assertThat(lastProperties()).containsEntry("socketFactory", CuttableSocketFactory.class.getName());
            open("jdbc:consul:mariadb://db/shop?password=pw&socketFactory=com.example.Tunnel");
            assertThat(lastProperties()).doesNotContainKey("socketFactory");
            open("jdbc:consul:mysql://db/shop?password=pw");
            assertThat(lastProperties()).as("MySQL Connector/J's abort() closes the socket itself")
                    .doesNotContainKey("socketFactory");
        }
    }

    @Nested
    class CuttingOff {

        @Test
        void closesTheSocketAReaderWaitsOnWithoutAskingTheServer() throws Exception {
            try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                Socket[] slot = new Socket[1];
                Socket socket = CuttableSocketFactory.capturing(slot,
                        () -> new CuttableSocketFactory().createSocket(silent.getInetAddress(), silent.getLocalPort()));
                assertThat(slot[0]).isSameAs(socket);
                CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
                    try (InputStream in = socket.getInputStream()) {
                        return in.read();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                DelegateConnections.Opened opened = open("jdbc:consul:mysql://db/shop?password=pw");
                Physical p = new Physical(new DelegateConnections.Opened(opened.conn(), socket, false), "10.0.0.1",
                        3306, Physical.Role.PRIMARY);
                DelegateConnections.cut(p, Runnable::run);
                assertThat(catchCause(reader)).isInstanceOf(java.io.UncheckedIOException.class);
                assertThat(a.connections.get(0).closed).as("the connection itself is not closed: no socket of its own")
                        .isFalse();
            }
        }

        @Test
        void abortsAConnectionWhoseSocketItDoesNotKnow() throws SQLException {
            DelegateConnections.Opened opened = open("jdbc:consul:mysql://db/shop?password=pw");
            assertThat(opened.socket()).isNull();
            DelegateConnections.cut(new Physical(opened, "10.0.0.1", 3306, Physical.Role.PRIMARY), Runnable::run);
            assertThat(a.connections.get(0).closed).isTrue();
        }

        @Test
        void onlyTheOpeningThreadsSocketIsCaptured() throws Exception {
            Socket[] slot = new Socket[1];
            CuttableSocketFactory.capturing(slot, () -> CompletableFuture.supplyAsync(
                    () -> new CuttableSocketFactory().createSocket()).get(10, TimeUnit.SECONDS));
            assertThat(slot[0]).isNull();
        }
    }

    private static Throwable catchCause(CompletableFuture<?> f) throws Exception {
        try {
            f.get(10, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }
}
