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
        Path file = resources.resolve("img").resolve(path);
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
}
