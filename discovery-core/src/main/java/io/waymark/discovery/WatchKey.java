package io.waymark.discovery;

/**
 * What a watch keeps in memory: a query's passing instances (what {@code resolve} answers),
 * or every registered instance whatever its health (what {@code registered} answers).
 */
record WatchKey(ServiceQuery query, boolean everyInstance) {

    @Override
    public String toString() {
        return everyInstance ? query + " (every instance)" : query.toString();
    }
}
