package dev.hyperlight.nanvix.file;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.Stat;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** fds 1 and 2: each write goes to the caller's stream and is flushed at once. */
public final class ConsoleOutput extends OpenFile {

    private static final int CHUNK = 64 * 1024;

    private final OutputStream out;
    private final Stat stat;

    public ConsoleOutput(OutputStream out, Stat stat) {
        super(Fcntl.O_WRONLY, 0);
        this.out = out;
        this.stat = stat;
    }

    @Override
    public synchronized long write(MemorySegment data) {
        try {
            for (long done = 0; done < data.byteSize(); ) {
                int n = (int) Math.min(CHUNK, data.byteSize() - done);
                out.write(data.asSlice(done, n).toArray(ValueLayout.JAVA_BYTE));
                done += n;
            }
            out.flush();
        } catch (IOException e) {
            throw new ErrnoException(Errno.EIO, "console: " + e);
        }
        return data.byteSize();
    }

    @Override
    public Stat stat() {
        return stat;
    }

    @Override
    public void release() {
        flush(); // The stream is the caller's: flush, never close.
    }

    void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new ErrnoException(Errno.EIO, "console: " + e);
        }
    }
}
