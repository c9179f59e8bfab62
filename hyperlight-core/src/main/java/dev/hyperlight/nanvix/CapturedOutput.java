package dev.hyperlight.nanvix;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;

/** Keeps the first {@code limit} bytes written to it and remembers whether more came. */
final class CapturedOutput extends OutputStream {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final int limit;
    private boolean truncated;

    CapturedOutput(int limit) {
        this.limit = limit;
    }

    @Override
    public synchronized void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] buffer, int offset, int length) {
        int room = limit - bytes.size();
        if (length > room) {
            truncated = true;
        }
        bytes.write(buffer, offset, Math.max(0, Math.min(length, room)));
    }

    synchronized byte[] toByteArray() {
        return bytes.toByteArray();
    }

    synchronized boolean truncated() {
        return truncated;
    }
}
