package waymark.consumer;

// Neither package is exported to this module: javac must refuse both imports.
import io.waymark.jdbc.internal.CuttableSocketFactory;
import io.waymark.redis.internal.RedisSettings;

final class UsesInternal {
    Object[] refs = {RedisSettings.class, CuttableSocketFactory.class};
}
