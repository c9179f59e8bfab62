package dev.hyperlight.nanvix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bundled images: extraction into the cache, digests, hostile manifests, races with ourselves. */
class RuntimeImagesTest {

    @TempDir
    Path tmp;

    private Path resources;
    private Path cache;

    @BeforeEach
    void layout() throws Exception {
        resources = Files.createDirectories(tmp.resolve("classes"));
        cache = tmp.resolve("cache");
    }

    private static String sha256(byte[] content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }

    /** Writes resources under img/ and a manifest listing them (or {@code manifest} verbatim). */
    private void bundle(String manifest) throws Exception {
        Files.createDirectories(resources.resolve("img"));
        Files.writeString(resources.resolve("img/image.manifest"), manifest);
    }

    private String entry(String path, String content, String mode) throws Exception {
        return entryIn("img", path, content, mode);
    }

    /** Writes the resource {@code root/path} and returns its manifest line. */
    private String entryIn(String root, String path, String content, String mode) throws Exception {
        Path file = resources.resolve(root).resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        return sha256(content.getBytes(StandardCharsets.UTF_8)) + " " + mode + " " + path + "\n";
    }

    private GuestRuntime runtime() {
        return new GuestRuntime("test", List.of(), new RuntimeImage.Bundled("img"), "/opt/test", "bin/tool",
                List.of(), List.of("-e"));
    }

    private Path locate() throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {resources.toUri().toURL()}, null)) {
            return new RuntimeImages(cache, Optional.empty(), loader).locate(runtime());
        }
    }

    /** The Debian image {@code name} as {@code images} and the resources under hyperlight-nanvix/images give it. */
    private Path locateDebian(String name, Optional<Path> images) throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {resources.toUri().toURL()}, null)) {
            return new RuntimeImages(cache, images, loader).locate(new RuntimeImage.Debian(name), "the test");
        }
    }

    @Test
    void extractsEveryListedFileReadOnlyIntoADirectoryNamedForTheManifest() throws Exception {
        String manifest = entry("bin/tool", "#!tool\n", "755") + entry("lib/data.txt", "data\n", "644");
        bundle(manifest);

        Path image = locate();

        assertThat(image.getParent()).isEqualTo(cache);
        assertThat(image.getFileName().toString())
                .isEqualTo("img-" + sha256(manifest.getBytes(StandardCharsets.UTF_8)).substring(0, 16));
        assertThat(image.resolve("bin/tool")).hasContent("#!tool");
        assertThat(image.resolve("lib/data.txt")).hasContent("data");
        assertThat(Files.getPosixFilePermissions(image.resolve("bin/tool"))).containsExactlyInAnyOrder(
                PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE);
        assertThat(Files.getPosixFilePermissions(image.resolve("lib/data.txt"))).containsExactlyInAnyOrder(
                PosixFilePermission.OWNER_READ, PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);
        try (var left = Files.list(cache)) {
            assertThat(left).as("no partial directory left").containsExactly(image);
        }
    }

    @Test
    void aSecondLocateReusesTheImageAndAChangedFileIsRefused() throws Exception {
        bundle(entry("bin/tool", "#!tool\n", "755"));
        Path first = locate();
        assertThat(locate()).isEqualTo(first);

        Path tool = first.resolve("bin/tool");
        Files.setPosixFilePermissions(tool, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        Files.writeString(tool, "#!evil\n");

        assertThatThrownBy(this::locate).isInstanceOfSatisfying(SandboxException.class, e -> {
            assertThat(e.reason()).isEqualTo(SandboxException.Reason.RUNTIME_UNAVAILABLE);
            assertThat(e.getMessage()).contains("is damaged (bin/tool is missing or differs from the manifest)");
        });
    }

    @Test
    void aResourceThatDoesNotMatchItsDigestIsNeverInstalled() throws Exception {
        String line = entry("bin/tool", "#!tool\n", "755");
        Files.writeString(resources.resolve("img/bin/tool"), "#!other\n");
        bundle(line);

        assertThatThrownBy(this::locate).isInstanceOfSatisfying(SandboxException.class, e ->
                assertThat(e.getMessage()).contains("bin/tool does not match its digest in the manifest"));
        try (var left = Files.list(cache)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void manifestPathsCannotLeaveTheImageAndMalformedLinesAreRefused() throws Exception {
        String digest = sha256(new byte[0]);
        for (String manifest : List.of(digest + " 644 ../escape\n", digest + " 644 /etc/passwd\n",
                "not-a-digest 644 bin/tool\n", digest + " 999 bin/tool\n", digest + " 644\n")) {
            bundle(manifest);
            assertThatThrownBy(this::locate).as(manifest).isInstanceOfSatisfying(SandboxException.class, e ->
                    assertThat(e.reason()).isEqualTo(SandboxException.Reason.RUNTIME_UNAVAILABLE));
        }
        assertThat(tmp.resolve("escape")).doesNotExist();
    }

    @Test
    void aMissingManifestOrInterpreterSaysWhich() throws Exception {
        assertThatThrownBy(this::locate).isInstanceOfSatisfying(SandboxException.class, e ->
                assertThat(e.getMessage()).isEqualTo("the test runtime is not available: img/image.manifest is not"
                        + " on the class path or the module path"));

        bundle(entry("lib/data.txt", "data\n", "644"));
        assertThatThrownBy(this::locate).isInstanceOfSatisfying(SandboxException.class, e ->
                assertThat(e.getMessage()).contains("its interpreter bin/tool is missing from " + cache));
    }

    @Test
    void directoriesAndLinksAreExtractedAsListedAndLinksAreNeverFollowed() throws Exception {
        String manifest = "dir empty\n" + entry("lib/x86_64-linux-gnu/ld.so", "loader\n", "755")
                + "link /lib/x86_64-linux-gnu/ld.so lib64/ld.so\n" + "link ../../etc lib/up\n"
                + entry("bin/tool", "#!tool\n", "755");
        bundle(manifest);

        Path image = locate();

        assertThat(image.resolve("empty")).isEmptyDirectory();
        assertThat(Files.readSymbolicLink(image.resolve("lib64/ld.so"))).isEqualTo(Path.of("/lib/x86_64-linux-gnu/ld.so"));
        assertThat(Files.readSymbolicLink(image.resolve("lib/up"))).isEqualTo(Path.of("../../etc"));
        assertThat(locate()).as("a link's target is checked, not followed").isEqualTo(image);

        Files.delete(image.resolve("lib64/ld.so"));
        Files.createSymbolicLink(image.resolve("lib64/ld.so"), Path.of("/elsewhere"));
        assertThatThrownBy(this::locate).isInstanceOfSatisfying(SandboxException.class, e ->
                assertThat(e.getMessage()).contains("is damaged (lib64/ld.so is missing or differs from the manifest)"));
    }

    @Test
    void nothingIsWrittenThroughALinkOrBelowAFileAndNoPathIsListedTwice() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        String digest = sha256("x".getBytes(StandardCharsets.UTF_8));
        Files.createDirectories(resources.resolve("img/escape"));
        Files.writeString(resources.resolve("img/escape/file"), "x");
        for (String manifest : List.of(
                "link " + outside + " escape\n" + digest + " 644 escape/file\n",
                digest + " 644 escape/file\nlink " + outside + " escape\n",
                "link " + outside + " escape\nlink /etc escape/deeper\n",
                digest + " 644 escape\n" + digest + " 644 escape/file\n",
                digest + " 644 escape/file\n" + digest + " 644 escape/file\n",
                "dir a/./b\n", "dir a//b\n", "dir a/\n", "link  a\n")) {
            bundle(manifest);
            assertThatThrownBy(this::locate).as(manifest).isInstanceOfSatisfying(SandboxException.class, e ->
                    assertThat(e.getMessage()).contains("manifest"));
        }
        try (var written = Files.list(outside)) {
            assertThat(written).isEmpty();
        }
    }

    @Test
    void concurrentFirstUsesAllGetTheSameWholeImage() throws Exception {
        StringBuilder manifest = new StringBuilder(entry("bin/tool", "#!tool\n", "755"));
        for (int i = 0; i < 200; i++) {
            manifest.append(entry("lib/file" + i, "content " + i + "\n", "644"));
        }
        bundle(manifest.toString());
        int users = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(users);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {resources.toUri().toURL()}, null)) {
            List<Future<Path>> images = new ArrayList<>();
            for (int i = 0; i < users; i++) {
                // Each its own RuntimeImages, as separate sandboxes or JVMs would be.
                Callable<Path> firstUse = () -> {
                    start.await();
                    return new RuntimeImages(cache, Optional.empty(), loader).locate(runtime());
                };
                images.add(pool.submit(firstUse));
            }
            start.countDown();
            Path first = images.getFirst().get();
            for (Future<Path> image : images) {
                assertThat(image.get()).isEqualTo(first);
            }
            assertThat(first.resolve("lib/file199")).hasContent("content 199");
        } finally {
            pool.shutdownNow();
        }
        try (var left = Files.list(cache)) {
            assertThat(left).as("one image, no partial directory left").hasSize(1);
        }
    }

    @Test
    void aDebianImageComesFromThePropertyThenTheConfiguredDirectoryThenItsArtifact() throws Exception {
        Path configured = Files.createDirectories(tmp.resolve("configured/python/root"));
        Path overriding = Files.createDirectories(tmp.resolve("overriding/python/root"));
        Files.createDirectories(resources.resolve("hyperlight-nanvix/images/python"));
        String line = entryIn("hyperlight-nanvix/images/python", "usr/bin/python3", "#!py\n", "755");
        Files.writeString(resources.resolve("hyperlight-nanvix/images/python/image.manifest"), line);

        Path extracted = locateDebian("python", Optional.empty());
        assertThat(extracted.getParent()).isEqualTo(cache);
        assertThat(extracted.resolve("usr/bin/python3")).hasContent("#!py");
        assertThat(locateDebian("python", Optional.of(tmp.resolve("configured")))).isEqualTo(configured);

        String previous = System.getProperty(RuntimeImage.Debian.IMAGES_PROPERTY);
        System.setProperty(RuntimeImage.Debian.IMAGES_PROPERTY, tmp.resolve("overriding").toString());
        try {
            assertThat(locateDebian("python", Optional.of(tmp.resolve("configured")))).isEqualTo(overriding);
            assertThatThrownBy(() -> locateDebian("base", Optional.empty()))
                    .isInstanceOfSatisfying(SandboxException.class, e -> assertThat(e.getMessage()).contains(
                            "overriding/base/root was not built (the system property hyperlight.nanvix.images names"));
        } finally {
            if (previous == null) {
                System.clearProperty(RuntimeImage.Debian.IMAGES_PROPERTY);
            } else {
                System.setProperty(RuntimeImage.Debian.IMAGES_PROPERTY, previous);
            }
        }
        assertThatThrownBy(() -> locateDebian("base", Optional.empty()))
                .isInstanceOfSatisfying(SandboxException.class, e -> assertThat(e.getMessage()).contains(
                        "add the artifact dev.hyperlight.nanvix:runtime-image-base"));
    }

    /** The interpreter is read once per file: again only when the file or the memory size changes. */
    @Test
    void anInterpreterIsReadAgainOnlyWhenItsFileChanges() throws Exception {
        Path image = Files.createDirectories(tmp.resolve("image/bin"));
        Path tool = image.resolve("tool");
        Files.copy(Path.of("/usr/bin/true"), tool);
        GuestRuntime runtime = new GuestRuntime("test", List.of(), new RuntimeImage.HostDirectory(tmp.resolve("image")),
                "/opt/test", "bin/tool", List.of(), List.of("-e"));
        RuntimeImages images = new RuntimeImages(cache, Optional.empty(), getClass().getClassLoader());
        long memory = 256L << 20;

        Path interpreter = images.locate(runtime).resolve(runtime.interpreter());
        Program first = images.interpreter(interpreter, memory);
        assertThat(images.interpreter(interpreter, memory)).isSameAs(first);
        assertThat(images.interpreter(interpreter, 2 * memory)).isNotSameAs(first);

        Path replacement = tmp.resolve("false");
        Files.copy(Path.of("/usr/bin/false"), replacement);
        Files.move(replacement, tool, java.nio.file.StandardCopyOption.REPLACE_EXISTING); // another inode, as a rebuild makes
        Program rebuilt = images.interpreter(interpreter, memory);
        assertThat(rebuilt.bytes()).isEqualTo(Files.readAllBytes(Path.of("/usr/bin/false")));
        assertThat(images.interpreter(interpreter, memory)).isSameAs(rebuilt);

        Files.delete(tool);
        assertThatThrownBy(() -> images.interpreter(interpreter, memory)).isInstanceOf(SandboxException.class)
                .hasMessageContaining("tool");
    }
}
