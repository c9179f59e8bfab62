package dev.hyperlight.nanvix;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The private host directory behind one run's {@code /tmp}; deleted with everything in it. */
final class RunDirectory implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RunDirectory.class);

    private final Path path;

    private RunDirectory(Path path) {
        this.path = path;
    }

    static RunDirectory create(Path parent, String runId) throws SandboxException {
        try {
            Files.createDirectories(parent);
            return new RunDirectory(Files.createTempDirectory(parent, runId + "-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
        } catch (IOException e) {
            throw new SandboxException(SandboxException.Reason.INVALID_CONFIGURATION,
                    "cannot create a temporary directory under " + parent + ": " + e.getMessage(), e);
        }
    }

    Path path() {
        return path;
    }

    /** Deletes the tree without following symbolic links out of it. */
    @Override
    public void close() {
        try {
            deleteTree(path);
        } catch (IOException e) {
            LOG.warn("cannot remove the run directory {}: {}", path, e.toString());
        }
    }

    /** Deletes {@code root} and everything in it, if it exists, without following symbolic links. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException error) throws IOException {
                if (error != null) {
                    throw error;
                }
                Files.delete(directory);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
