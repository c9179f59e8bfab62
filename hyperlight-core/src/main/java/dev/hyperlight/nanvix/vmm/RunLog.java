package dev.hyperlight.nanvix.vmm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-run log: guest kernel lines, fault details and the run summary. Always sent to SLF4J;
 * also appended to {@code <logDirectory>/sandbox.log} when a log directory is configured.
 */
final class RunLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RunLog.class);
    static final String FILE_NAME = "sandbox.log";

    private final String runId;
    private final Optional<Writer> file;

    private RunLog(String runId, Optional<Writer> file) {
        this.runId = runId;
        this.file = file;
    }

    static RunLog open(String runId, Optional<Path> directory) {
        if (directory.isEmpty()) {
            return new RunLog(runId, Optional.empty());
        }
        try {
            Files.createDirectories(directory.get());
            Writer writer = Files.newBufferedWriter(directory.get().resolve(FILE_NAME), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return new RunLog(runId, Optional.of(writer));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the log in " + directory.get(), e);
        }
    }

    /** A guest kernel message: debug level, it is chatty only when debugging the kernel. */
    void guest(String line) {
        LOG.debug("[{}] guest: {}", runId, line);
        append("guest: " + line);
    }

    /**
     * A host-side fact about the run worth keeping (summary, fault registers): debug level, as a
     * service runs many; the run's result tells how it ended, and the log directory keeps them all.
     */
    void host(String line) {
        LOG.debug("[{}] {}", runId, line);
        append(line);
    }

    private void append(String line) {
        if (file.isEmpty()) {
            return;
        }
        try {
            file.get().write(Instant.now() + " [" + runId + "] " + line + System.lineSeparator());
        } catch (IOException e) {
            LOG.warn("cannot write the run log: {}", e.toString());
        }
    }

    @Override
    public void close() {
        if (file.isPresent()) {
            try {
                file.get().close();
            } catch (IOException e) {
                LOG.warn("cannot close the run log: {}", e.toString());
            }
        }
    }
}
