package dev.hyperlight.nanvix.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.io.GuestNamespace.Absent;
import dev.hyperlight.nanvix.io.GuestNamespace.HostFile;
import dev.hyperlight.nanvix.io.GuestNamespace.Node;
import dev.hyperlight.nanvix.syscall.ErrnoException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The path resolver under random paths: made of '..', '.', empty names, mount points and symlinks
 * planted on the host to point outside the mounts (absolute, relative, to directories, chained,
 * looping). Whatever the path, what it resolves to on the host lies inside a mount. Seeded.
 */
class GuestNamespaceFuzzTest {

    private static final int PATHS = 20_000;
    private static final List<String> NAMES = List.of("..", ".", "", "a", "b", "file", "data", "tmp", "out-abs",
            "out-rel", "out-dir", "root", "chain", "loop", "up", "self", "missing", "secret.txt");

    @TempDir
    Path host;

    @Test
    void randomPathsNeverResolveOutsideTheMounts() throws IOException {
        Path outside = Files.createDirectory(host.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "secret");
        Path data = Files.createDirectories(host.resolve("mounts/data/a/b"));
        Path dataRoot = host.resolve("mounts/data");
        Path tmp = Files.createDirectories(host.resolve("mounts/tmp"));
        Files.writeString(dataRoot.resolve("file"), "data");
        for (Path dir : List.of(dataRoot, data, tmp)) {
            Files.createSymbolicLink(dir.resolve("out-abs"), outside.resolve("secret.txt"));
            Files.createSymbolicLink(dir.resolve("out-rel"), dir.relativize(outside.resolve("secret.txt")));
            Files.createSymbolicLink(dir.resolve("out-dir"), outside);
            Files.createSymbolicLink(dir.resolve("root"), Path.of("/"));
            Files.createSymbolicLink(dir.resolve("chain"), Path.of("out-rel"));
            Files.createSymbolicLink(dir.resolve("loop"), Path.of("loop"));
            Files.createSymbolicLink(dir.resolve("up"), Path.of("../../../.."));
            Files.createSymbolicLink(dir.resolve("self"), Path.of("."));
        }
        GuestNamespace namespace = new GuestNamespace(List.of(Mount.readOnly("/data", dataRoot),
                Mount.writable("/tmp", tmp), Mount.readOnly("/deep/inside/mnt", data)));
        List<Path> roots = List.of(dataRoot.toRealPath(), tmp.toRealPath(), data.toRealPath());
        Random random = new Random(42);
        int resolved = 0;
        for (int i = 0; i < PATHS; i++) {
            String path = randomPath(random);
            String base = random.nextBoolean() ? "/" : random.nextBoolean() ? "/data/a" : "/tmp";
            Node node;
            try {
                node = namespace.resolve(base, path, random.nextBoolean());
            } catch (ErrnoException refused) {
                continue;
            }
            resolved++;
            Path hostPath = switch (node) {
                case HostFile file -> file.hostPath();
                case Absent absent -> absent.hostPath();
                default -> null;
            };
            if (hostPath != null) {
                assertThat(roots).as("%s from %s -> %s", path, base, hostPath).anyMatch(hostPath::startsWith);
                assertThat(hostPath.normalize()).as(path).isEqualTo(hostPath);
                assertThat(hostPath.startsWith(outside)).as(path).isFalse();
            }
        }
        assertThat(resolved).as("paths that resolved at all").isGreaterThan(PATHS / 10);
    }

    private static String randomPath(Random random) {
        StringBuilder path = new StringBuilder(random.nextInt(3) == 0 ? "" : "/");
        int names = 1 + random.nextInt(8);
        for (int i = 0; i < names; i++) {
            if (i > 0) {
                path.append('/');
            }
            path.append(random.nextInt(6) == 0 ? List.of("deep", "inside", "mnt").get(random.nextInt(3))
                    : NAMES.get(random.nextInt(NAMES.size())));
        }
        if (random.nextInt(8) == 0) {
            path.append('/');
        }
        return path.toString();
    }
}
