package dev.hyperlight.nanvix.syscall;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Appends one JSON line per decided call to a file ({@link SyscallAudit.Record#toJson()}).
 *
 * <p>Each line is written whole, at once, when the call is recorded: nothing waits in a buffer
 * for a crash to lose, and appenders to the same file do not split each other's lines. If a
 * write fails (a full disk, a closed file), the line's written part is cut off again, the
 * record throws, and so does every later one: the file holds only whole lines, and the runs
 * that use it stop (fail closed, {@link AuditFailedException}).
 *
 * <p>Not an interruptible channel on purpose: the host interrupts a vCPU thread to stop a run,
 * and that must not close the audit file under the other runs that share it.
 */
public final class JsonLinesAudit implements SyscallAudit, AutoCloseable {

    /** The longest tail read back to find the last whole line (records are a few KiB at most). */
    private static final int TAIL_CHUNK = 64 * 1024;

    private final Path file;
    private final FileOutputStream out;
    /** Why an earlier write failed; from then on every record fails. */
    private IOException failure;

    /** Opens {@code file} for appending, creating it if needed. */
    public JsonLinesAudit(Path file) throws IOException {
        this.file = file;
        this.out = new FileOutputStream(file.toFile(), true);
    }

    /** @throws UncheckedIOException if the line cannot be written, now or earlier */
    @Override
    public synchronized void record(Record record) {
        if (failure != null) {
            throw new UncheckedIOException("the audit file " + file + " failed earlier: " + failure.getMessage(),
                    failure);
        }
        byte[] line = (record.toJson() + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            out.write(line);
        } catch (IOException e) {
            failure = e;
            try {
                cutPartialLine(file);
            } catch (IOException cut) {
                e.addSuppressed(cut);
            }
            throw new UncheckedIOException("cannot write the audit file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Cuts whatever follows the last newline of {@code file}: the part of a line a failed write
     * left. Only a regular file can be cut (not a pipe or a device).
     */
    static void cutPartialLine(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long end = raf.length();
            byte[] chunk = new byte[TAIL_CHUNK];
            for (long at = end; at > 0; ) {
                int size = (int) Math.min(TAIL_CHUNK, at);
                at -= size;
                raf.seek(at);
                raf.readFully(chunk, 0, size);
                for (int i = size - 1; i >= 0; i--) {
                    if (chunk[i] == '\n') {
                        if (at + i + 1 < end) {
                            raf.setLength(at + i + 1);
                        }
                        return;
                    }
                }
            }
            raf.setLength(0); // no newline: the whole file is the partial line
        }
    }

    /** Closes the file. Every record was written when it was made. */
    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
