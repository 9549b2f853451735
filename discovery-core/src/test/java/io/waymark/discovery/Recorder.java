package io.waymark.discovery;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** A listener that keeps every snapshot it was given. */
final class Recorder implements EndpointListener {

    final List<Endpoints> calls = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();

    @Override
    public void onChange(Endpoints endpoints) {
        threads.add(Thread.currentThread().getName());
        calls.add(endpoints);
    }

    Endpoints last() {
        return calls.isEmpty() ? null : calls.get(calls.size() - 1);
    }

    /** The last snapshot's addresses, sorted. */
    List<String> addresses() {
        Endpoints e = last();
        return e == null ? List.of() : addresses(e);
    }

    static List<String> addresses(Endpoints e) {
        return e.all().stream().map(Endpoint::address).sorted().collect(Collectors.toList());
    }
}
