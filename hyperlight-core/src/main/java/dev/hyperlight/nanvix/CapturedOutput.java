package dev.hyperlight.nanvix;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;

/**
 * One guest output stream of a run: passes the first {@code limit} bytes to the caller's sink, or
 * keeps them when there is none, drops the rest, and remembers whether anything was dropped.
 */
final class CapturedOutput extends OutputStream {

    private final Optional<OutputStream> sink;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final long limit;
    private long written;
    private boolean truncated;

    CapturedOutput(Optional<OutputStream> sink, long limit) {
        this.sink = sink;
        this.limit = limit;
    }

    @Override
    public synchronized void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] buffer, int offset, int length) throws IOException {
        long room = limit - written;
        if (length > room) {
            truncated = true;
        }
        int kept = (int) Math.max(0, Math.min(length, room));
        written += kept;
        if (sink.isEmpty()) {
            bytes.write(buffer, offset, kept);
            return;
        }
        sink.get().write(buffer, offset, kept);
    }

    @Override
    public synchronized void flush() throws IOException {
        if (sink.isPresent()) {
            sink.get().flush();
        }
    }

    /** What was kept (empty when the output went to a sink). */
    synchronized byte[] toByteArray() {
        return bytes.toByteArray();
    }

    synchronized boolean truncated() {
        return truncated;
    }
}
