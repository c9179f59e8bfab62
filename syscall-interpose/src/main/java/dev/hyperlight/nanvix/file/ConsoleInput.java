package dev.hyperlight.nanvix.file;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.Stat;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** fd 0: reads come from the caller's stdin stream; everything else fails as on a pipe. */
public final class ConsoleInput extends OpenFile {

    private static final int CHUNK = 64 * 1024;

    private final InputStream in;
    private final Stat stat;

    public ConsoleInput(InputStream in, Stat stat) {
        super(Fcntl.O_RDONLY, 0);
        this.in = in;
        this.stat = stat;
    }

    /** Blocks until at least one byte is there, like a read from a pipe; 0 at end of input. */
    @Override
    public synchronized long read(MemorySegment buffer) {
        if (buffer.byteSize() == 0) {
            return 0;
        }
        byte[] chunk = new byte[(int) Math.min(buffer.byteSize(), CHUNK)];
        int n;
        try {
            n = in.read(chunk);
        } catch (IOException e) {
            throw new ErrnoException(Errno.EIO, "stdin: " + e);
        }
        if (n <= 0) {
            return 0;
        }
        MemorySegment.copy(chunk, 0, buffer, ValueLayout.JAVA_BYTE, 0, n);
        return n;
    }

    @Override
    public Stat stat() {
        return stat;
    }

    @Override
    public void release() {
        // The stream is the caller's.
    }
}
