package io.waymark.redis.internal;

import io.lettuce.core.protocol.CommandArgs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A command's arguments exactly as they go on the wire ({@code $len\r\nbytes\r\n} each), for the
 * few decisions that depend on them (a blocking command's timeout, a {@code CLIENT} subcommand):
 * a key named {@code BLOCK} or {@code REPLY} is one argument, never mistaken for an option.
 * Read only for those commands, never on the common path.
 */
final class WireArgs {

    private WireArgs() {
    }

    /** The arguments as text (UTF-8); empty if there are none or the codec cannot encode them here. */
    static List<String> of(CommandArgs<?, ?> args) {
        if (args == null) {
            return List.of();
        }
        ByteBuf buf = Unpooled.buffer();
        try {
            args.encode(buf);
            List<String> out = new ArrayList<>(args.count());
            while (buf.isReadable() && buf.readByte() == '$') {
                int crlf = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) '\r');
                if (crlf < 0) {
                    break;
                }
                int len = Integer.parseInt(buf.toString(buf.readerIndex(), crlf - buf.readerIndex(),
                        StandardCharsets.US_ASCII));
                buf.readerIndex(crlf + 2);
                out.add(buf.toString(buf.readerIndex(), len, StandardCharsets.UTF_8));
                buf.skipBytes(len + 2);
            }
            return out;
        } catch (RuntimeException e) {
            // a codec that cannot encode here would fail the command anyway: decide without the arguments
            return List.of();
        } finally {
            buf.release();
        }
    }
}
