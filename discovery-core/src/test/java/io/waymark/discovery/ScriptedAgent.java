package io.waymark.discovery;

import java.io.IOException;
import java.net.InetAddress;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * A Consul agent played by a {@link MockWebServer} on 127.0.0.1, for the unit tests that script
 * what the agent answers.
 */
final class ScriptedAgent {

    /** What the agent answers to one request (on MockWebServer's threads). */
    interface Answer {
        MockResponse answer(RecordedRequest request) throws InterruptedException;
    }

    private ScriptedAgent() {
    }

    /** A server started on 127.0.0.1 and a free port, answering every request with {@code answer}. */
    static MockWebServer start(Answer answer) throws IOException {
        MockWebServer server = new MockWebServer();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                return answer.answer(request);
            }
        });
        server.start(InetAddress.getByName("127.0.0.1"), 0);
        return server;
    }
}
