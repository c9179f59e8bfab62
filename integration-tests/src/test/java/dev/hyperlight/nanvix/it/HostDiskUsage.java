package dev.hyperlight.nanvix.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What sandbox runs keep on the host's disk in their {@code /tmp}, measured from the host below
 * the runs' parent directory ({@code RuntimeConfig.tmpDirectory}): every inode found by name
 * inside a run's directory, and every file this JVM (which runs the sandboxes) holds open whose
 * path was there, removed or not, each inode once. A run's directory itself is the mount's root
 * and not counted, as the quota does not. A file counts its size (a symlink the length of its
 * target, a directory what the host file system reports): st_blocks is out of Java's reach, and
 * for the files written whole here the size is what they take.
 */
final class HostDiskUsage {

    private HostDiskUsage() {}

    static long bytesInRuns(Path tmpDirectory) {
        try {
            Path root = tmpDirectory.toRealPath();
            Map<List<Object>, Long> inodes = new HashMap<>();
            try (Stream<Path> named = Files.walk(root)) {
                for (Path path : (Iterable<Path>) named.filter(p -> root.relativize(p).getNameCount() > 1)::iterator) {
                    count(inodes, path, LinkOption.NOFOLLOW_LINKS);
                }
            }
            // A removed file an fd still holds shows as "/its/old/path (deleted)".
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
                for (Path fd : fds) {
                    try {
                        if (Files.readSymbolicLink(fd).toString().startsWith(root + "/")) {
                            count(inodes, fd);
                        }
                    } catch (NoSuchFileException closedMeanwhile) {
                        // not open any more
                    }
                }
            }
            return inodes.values().stream().mapToLong(Long::longValue).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void count(Map<List<Object>, Long> inodes, Path path, LinkOption... options) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino,size", options);
        inodes.put(List.of(a.get("dev"), a.get("ino")), (Long) a.get("size"));
    }
}
