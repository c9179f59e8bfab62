package dev.hyperlight.nanvix.vfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A host directory tree for fuzz targets of the guest's file calls: a read-only mount ({@code
 * data}), fresh writable mounts ({@link #newTmp}), and next to them {@code outside/}, which no
 * guest call may read or change. Every mount holds symlinks planted on the host that point out of
 * it (absolute, relative, to a directory, to the host root, up, looping), as a hostile image or a
 * shared directory could. {@link #assertOutsideAndReadOnlyUnchanged} checks the host side.
 */
public final class HostTree implements AutoCloseable {

    /** Contents of {@code outside/secret.txt}: seeing these bytes in guest memory is a leak. */
    public static final String SECRET = "host-secret-8b0f2e61c4d7a935";

    private final Path root;
    private final Path outside;
    private final Path data;
    private final Map<String, String> before;
    private int tmps;

    public HostTree() {
        try {
            root = Files.createTempDirectory("fuzz-host-tree").toRealPath();
            outside = Files.createDirectory(root.resolve("outside"));
            Files.writeString(outside.resolve("secret.txt"), SECRET);
            Files.createDirectory(outside.resolve("dir"));
            data = Files.createDirectories(root.resolve("mounts/data"));
            Files.writeString(data.resolve("file"), "read-only data");
            Files.createDirectories(data.resolve("a/b"));
            Files.writeString(data.resolve("a/b/deep"), "deep");
            plantEscapes(data);
            plantEscapes(data.resolve("a/b"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        before = contents();
    }

    /** The directory mounted read-only. */
    public Path data() {
        return data;
    }

    /** A fresh writable directory with the same planted symlinks; {@link #delete} it after use. */
    public Path newTmp() {
        try {
            Path tmp = Files.createDirectory(root.resolve("mounts/tmp-" + ++tmps));
            Files.writeString(tmp.resolve("file"), "writable");
            Files.createDirectory(tmp.resolve("dir"));
            plantEscapes(tmp);
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directory no guest call may reach. */
    public Path outside() {
        return outside;
    }

    private void plantEscapes(Path dir) throws IOException {
        Files.createSymbolicLink(dir.resolve("out-abs"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(dir.resolve("out-rel"), dir.relativize(outside.resolve("secret.txt")));
        Files.createSymbolicLink(dir.resolve("out-dir"), outside);
        Files.createSymbolicLink(dir.resolve("root"), Path.of("/"));
        Files.createSymbolicLink(dir.resolve("up"), Path.of("../../../.."));
        Files.createSymbolicLink(dir.resolve("chain"), Path.of("out-rel"));
        Files.createSymbolicLink(dir.resolve("loop"), Path.of("loop"));
        Files.createSymbolicLink(dir.resolve("self"), Path.of("."));
    }

    /** Fails if anything in {@code outside/} or the read-only mount was created, changed or removed. */
    public void assertOutsideAndReadOnlyUnchanged() {
        assertThat(contents()).isEqualTo(before);
    }

    /** Every file under outside/ and data/: its type, permissions, and contents or link target. */
    private Map<String, String> contents() {
        Map<String, String> files = new TreeMap<>();
        for (Path top : List.of(outside, data)) {
            try (Stream<Path> walk = Files.walk(top)) {
                for (Path path : walk.toList()) {
                    files.put(root.relativize(path).toString(), describe(path));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    private static String describe(Path path) throws IOException {
        String mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS).toString();
        if (Files.isSymbolicLink(path)) {
            return "link " + mode + " " + Files.readSymbolicLink(path);
        }
        if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            return "file " + mode + " " + new String(Files.readAllBytes(path), StandardCharsets.ISO_8859_1);
        }
        return "other " + mode;
    }

    /**
     * Removes {@code dir} and everything in it, whatever the guest left there: directories it made
     * unreadable are opened up first (when not running as root, their mode would stop the walk).
     */
    public static void delete(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes)
                        throws IOException {
                    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path directory, IOException failure) throws IOException {
                    if (failure != null) {
                        throw failure;
                    }
                    Files.delete(directory);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        delete(root);
    }
}
