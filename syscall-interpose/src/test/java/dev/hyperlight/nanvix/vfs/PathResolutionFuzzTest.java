package dev.hyperlight.nanvix.vfs;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.vfs.GuestNamespace.Absent;
import dev.hyperlight.nanvix.vfs.GuestNamespace.HostFile;
import dev.hyperlight.nanvix.vfs.GuestNamespace.Node;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing of path resolution, from the bytes a guest passes as a path: the
 * {@link GuestNames} mapping of those bytes to guest strings and host names, and {@link
 * GuestNamespace#resolve} over mounts holding symlinks planted on the host to point out of them.
 *
 * <p>The contract, for any bytes: names round-trip exactly (bytes to guest string and back, guest
 * string to host name and back), and a host name is valid UTF-8 without '/' or NUL; resolution
 * either fails with an {@link ErrnoException} or names a canonical guest path whose host file is
 * inside a mount, normalized, never outside.
 */
class PathResolutionFuzzTest {

    private static final List<String> BASES = List.of("/", "/data", "/data/a/b", "/tmp", "/tmp/dir", "/mnt/deep/x");

    private static HostTree host;
    private static Path tmp;
    private static GuestNamespace namespace;
    private static List<Path> roots;

    @BeforeAll
    static void plant() throws Exception {
        host = new HostTree();
        tmp = host.newTmp();
        namespace = new GuestNamespace(List.of(Mount.readOnly("/data", host.data()), Mount.writable("/tmp", tmp),
                Mount.readOnly("/mnt/deep/x", host.data().resolve("a/b"))));
        roots = List.of(host.data().toRealPath(), tmp.toRealPath());
    }

    @AfterAll
    static void remove() {
        host.close();
    }

    @FuzzTest
    void guestNamesRoundTrip(byte[] bytes) {
        String guest = GuestNames.decode(bytes);
        assertThat(GuestNames.encode(guest)).isEqualTo(bytes);
        assertThat(GuestNames.byteLength(guest)).isEqualTo(bytes.length);
        String hostName = GuestNames.toHost(guest);
        assertThat(GuestNames.fromHost(hostName)).isEqualTo(guest);
        assertThat(new String(hostName.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(hostName);
        if (!contains(bytes, (byte) '/') && !contains(bytes, (byte) 0)) {
            assertThat(hostName).doesNotContain("/").doesNotContain("\0");
        }
    }

    @FuzzTest
    void resolvedPathsStayInsideTheMounts(FuzzedDataProvider data) {
        String base = data.pickValue(BASES);
        boolean followLast = data.consumeBoolean();
        // A path as the host reads it from guest memory: any bytes up to the first NUL.
        String path = GuestNames.decode(upToNul(data.consumeRemainingAsBytes()));
        Node node;
        try {
            node = namespace.resolve(base, path, followLast);
        } catch (ErrnoException refused) {
            return;
        }
        assertThat(GuestPaths.isCanonical(node.guestPath())).as("%s resolved to %s", path, node.guestPath()).isTrue();
        Path hostPath = switch (node) {
            case HostFile file -> file.hostPath();
            case Absent absent -> absent.hostPath();
            default -> null;
        };
        if (hostPath != null) {
            assertThat(roots).as("%s from %s -> %s", path, base, hostPath).anyMatch(hostPath::startsWith);
            assertThat(hostPath.normalize()).as(path).isEqualTo(hostPath);
            assertThat(hostPath.startsWith(host.outside())).as(path).isFalse();
        }
    }

    private static byte[] upToNul(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
        for (byte b : bytes) {
            if (b == 0) {
                break;
            }
            out.write(b);
        }
        return out.toByteArray();
    }

    private static boolean contains(byte[] bytes, byte wanted) {
        for (byte b : bytes) {
            if (b == wanted) {
                return true;
            }
        }
        return false;
    }
}
