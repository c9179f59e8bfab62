package dev.hyperlight.nanvix.syscall;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Appends one JSON line per decided call to a file ({@link SyscallAudit.Record#toJson()}). */
public final class JsonLinesAudit implements SyscallAudit, AutoCloseable {

    private final BufferedWriter out;

    /** Opens {@code file} for appending, creating it if needed. */
    public JsonLinesAudit(Path file) throws IOException {
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    @Override
    public synchronized void record(Record record) {
        try {
            out.write(record.toJson());
            out.newLine();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the audit file", e);
        }
    }

    /** Flushes and closes the file. */
    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
