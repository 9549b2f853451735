package io.waymark.redis.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A set of Pub/Sub channels or patterns that compares {@code byte[]} keys by content (Spring Data
 * Redis subscribes with {@code byte[]} channels, whose own equals is identity).
 *
 * <p><b>Threading:</b> not thread-safe; {@link PubSubFollower} guards it.
 */
final class KeySet<K> {

    private final Map<Object, K> keys = new LinkedHashMap<>();

    private static Object id(Object key) {
        if (key instanceof byte[] b) {
            return ByteBuffer.wrap(b.clone());
        }
        if (key instanceof ByteBuffer b) {
            return b.duplicate();
        }
        return key;
    }

    @SuppressWarnings("unchecked")
    void addAll(Collection<K> add) {
        for (K k : add) {
            if (k instanceof byte[] bytes) {
                // a copy of the bytes: the caller may reuse its array, the next node must get what was subscribed
                byte[] copy = bytes.clone();
                keys.putIfAbsent(ByteBuffer.wrap(copy), (K) copy);
            } else {
                keys.putIfAbsent(id(k), k);
            }
        }
    }

    void removeAll(Collection<K> remove) {
        for (K k : remove) {
            keys.remove(id(k));
        }
    }

    void clear() {
        keys.clear();
    }

    List<K> toList() {
        return new ArrayList<>(keys.values());
    }

    Set<K> toSet() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(keys.values()));
    }

    /** The keys of this set that {@code done} lacks. */
    List<K> missingFrom(List<K> done) {
        Set<Object> d = new LinkedHashSet<>();
        done.forEach(k -> d.add(id(k)));
        List<K> out = new ArrayList<>();
        keys.forEach((id, k) -> {
            if (!d.contains(id)) {
                out.add(k);
            }
        });
        return out;
    }

    /** The keys of {@code done} that this set no longer holds. */
    List<K> extraIn(List<K> done) {
        List<K> out = new ArrayList<>();
        for (K k : done) {
            if (!keys.containsKey(id(k))) {
                out.add(k);
            }
        }
        return out;
    }
}
