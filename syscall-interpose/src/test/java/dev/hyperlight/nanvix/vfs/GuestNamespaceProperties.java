package dev.hyperlight.nanvix.vfs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.vfs.GuestNamespace.Absent;
import dev.hyperlight.nanvix.vfs.GuestNamespace.HostFile;
import dev.hyperlight.nanvix.vfs.GuestNamespace.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * The path resolver under arbitrary paths: names, '..', '.', empty names and repeated slashes,
 * mount points, symlinks planted on the host to point outside the mounts (absolute, relative, to
 * directories, chained, looping), and symlinks with arbitrary targets that the guest makes itself.
 * Whatever the path, what it resolves to on the host lies inside a mount.
 */
class GuestNamespaceProperties {

    private static final List<String> NAMES = List.of("..", ".", "", "a", "b", "file", "data", "tmp", "deep",
            "inside", "mnt", "out-abs", "out-rel", "out-dir", "root", "chain", "loop", "up", "self", "missing",
            "secret.txt", "made", "made2", "made3");
    private static final List<String> BASES = List.of("/", "/data/a", "/tmp", "/deep", "/deep/inside/mnt/a");

    private static Path host;
    private static Path outside;
    private static Path dataRoot;
    private static Path deep;
    private static Path sharedTmp;
    private static final AtomicInteger tries = new AtomicInteger();

    @BeforeContainer
    static void plant() throws IOException {
        host = Files.createTempDirectory("guest-namespace-properties");
        outside = Files.createDirectory(host.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "secret");
        deep = Files.createDirectories(host.resolve("mounts/data/a/b"));
        dataRoot = host.resolve("mounts/data");
        Files.writeString(dataRoot.resolve("file"), "data");
        sharedTmp = Files.createDirectory(host.resolve("tmp"));
        for (Path dir : List.of(dataRoot, deep, sharedTmp)) {
            plantEscapes(dir);
        }
    }

    private static void plantEscapes(Path dir) throws IOException {
        Files.createSymbolicLink(dir.resolve("out-abs"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(dir.resolve("out-rel"), dir.relativize(outside.resolve("secret.txt")));
        Files.createSymbolicLink(dir.resolve("out-dir"), outside);
        Files.createSymbolicLink(dir.resolve("root"), Path.of("/"));
        Files.createSymbolicLink(dir.resolve("chain"), Path.of("out-rel"));
        Files.createSymbolicLink(dir.resolve("loop"), Path.of("loop"));
        Files.createSymbolicLink(dir.resolve("up"), Path.of("../../../.."));
        Files.createSymbolicLink(dir.resolve("self"), Path.of("."));
    }

    @AfterContainer
    static void remove() throws IOException {
        try (var paths = Files.walk(host)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    @Property(tries = 5000)
    void plantedSymlinksNeverLeadOutsideTheMounts(@ForAll("paths") String path, @ForAll("bases") String base,
            @ForAll boolean follow) throws IOException {
        String outcome = assertInsideTheMounts(namespace(sharedTmp), sharedTmp, path, base, follow);
        Statistics.collect(outcome);
        // Not only refusals: a fair share of the paths must reach host files for the property to mean much.
        Statistics.coverage(coverage -> {
            coverage.check("host file").count(c -> c >= 50);
            coverage.check("refused").percentage(p -> p < 85);
        });
    }

    /** Symlinks made through HostIo.symlinkAt, as the guest's symlinkat makes them, then arbitrary lookups. */
    @Property(tries = 400)
    void symlinksTheGuestMakesNeverLeadOutsideTheMounts(
            @ForAll("links") List<Tuple.Tuple2<String, String>> links, @ForAll("paths") String path,
            @ForAll("bases") String base, @ForAll boolean follow) throws IOException {
        Path tmp = Files.createDirectory(host.resolve("tmp-" + tries.incrementAndGet()));
        try (HostIo io = new HostIo(IoConfig.builder().mount(Mount.readOnly("/data", dataRoot))
                .mount(Mount.writable("/tmp", tmp)).mount(Mount.readOnly("/deep/inside/mnt", deep)).build())) {
            for (Tuple.Tuple2<String, String> link : links) {
                try {
                    io.fileSystem().symlinkAt(link.get2(), Fcntl.AT_FDCWD, link.get1());
                } catch (ErrnoException refused) {
                    // EEXIST, EROFS, ENOENT: the guest gets an errno and nothing is made
                }
            }
        }
        assertInsideTheMounts(namespace(tmp), tmp, path, base, follow);
    }

    private static GuestNamespace namespace(Path tmp) {
        return new GuestNamespace(List.of(Mount.readOnly("/data", dataRoot), Mount.writable("/tmp", tmp),
                Mount.readOnly("/deep/inside/mnt", deep)));
    }

    /** Resolves {@code path}; returns what it found: "refused", "host file", "absent" or "virtual". */
    private static String assertInsideTheMounts(GuestNamespace namespace, Path tmp, String path, String base,
            boolean follow) throws IOException {
        Node node;
        try {
            node = namespace.resolve(base, path, follow);
        } catch (ErrnoException refused) {
            return "refused";
        }
        Path hostPath = switch (node) {
            case HostFile file -> file.hostPath();
            case Absent absent -> absent.hostPath();
            default -> null;
        };
        if (hostPath != null) {
            List<Path> roots = List.of(dataRoot.toRealPath(), tmp.toRealPath(), deep.toRealPath());
            assertThat(roots).as("%s from %s -> %s", path, base, hostPath).anyMatch(hostPath::startsWith);
            assertThat(hostPath.normalize()).as(path).isEqualTo(hostPath);
            assertThat(hostPath.startsWith(outside)).as(path).isFalse();
        }
        return switch (node) {
            case HostFile file -> "host file";
            case Absent absent -> "absent";
            default -> "virtual";
        };
    }

    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> name = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.of(NAMES)),
                Tuple.of(1, Arbitraries.strings().withChars("./ab").ofMaxLength(4)),
                Tuple.of(1, guestNameBytes().map(GuestNames::decode)));
        return Combinators.combine(Arbitraries.of("", "/", "//"), name.list().ofMinSize(1).ofMaxSize(6),
                Arbitraries.of("/", "/", "//"), Arbitraries.of("", "", "/"))
                .as((lead, names, separator, trail) -> lead + String.join(separator, names) + trail);
    }

    /** Any bytes a Linux file name may hold (all but '/' and NUL), UTF-8 or not, the escape's bytes included. */
    static Arbitrary<byte[]> guestNameBytes() {
        Arbitrary<Byte> any = Arbitraries.bytes().filter(b -> b != '/' && b != 0);
        Arbitrary<Byte> tricky = Arbitraries.of((byte) 0xef, (byte) 0xa3, (byte) 0xbf, (byte) 0xed, (byte) 0xb2,
                (byte) 0x80, (byte) 0xff, (byte) 0xf0, (byte) 0x90, (byte) '0', (byte) 'F');
        return Arbitraries.frequencyOf(Tuple.of(1, any), Tuple.of(1, tricky)).array(byte[].class)
                .ofMinSize(1).ofMaxSize(12);
    }

    /** Guest names round-trip exactly through the guest string and the host name, and host names are valid UTF-8. */
    @Property(tries = 5000)
    void guestNamesRoundTripThroughHostNames(@ForAll("nameBytes") byte[] bytes) {
        String guest = GuestNames.decode(bytes);
        assertThat(GuestNames.encode(guest)).isEqualTo(bytes);
        assertThat(GuestNames.byteLength(guest)).isEqualTo(bytes.length);
        String hostName = GuestNames.toHost(guest);
        assertThat(GuestNames.fromHost(hostName)).isEqualTo(guest);
        assertThat(new String(hostName.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(hostName);
        assertThat(hostName).doesNotContain("/").doesNotContain("\0");
    }

    @Provide
    Arbitrary<byte[]> nameBytes() {
        return guestNameBytes();
    }

    @Provide
    Arbitrary<String> bases() {
        return Arbitraries.of(BASES);
    }

    /** (where, target): names in the guest's /tmp, targets anything a guest could write. */
    @Provide
    Arbitrary<List<Tuple.Tuple2<String, String>>> links() {
        Arbitrary<String> where = Combinators.combine(Arbitraries.of("/tmp/", "/tmp/a/", "/tmp//", "/data/"),
                Arbitraries.of("made", "made2", "made3", "a", "loop", "root"))
                .as((directory, name) -> directory + name);
        Arbitrary<String> target = Arbitraries.frequencyOf(
                Tuple.of(4, paths()),
                Tuple.of(1, Arbitraries.of("/", "..", "../..", ".", outside.toString(),
                        outside.resolve("secret.txt").toString(), host.toString(), "/tmp/made", "made2")));
        return Combinators.combine(where, target).as(Tuple::of).list().ofMinSize(1).ofMaxSize(6);
    }
}
