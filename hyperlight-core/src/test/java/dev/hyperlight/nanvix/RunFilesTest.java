package dev.hyperlight.nanvix;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Input files written into a run's directory, output files read back from it, on the host alone. */
class RunFilesTest {

    @TempDir
    Path run;
    @TempDir
    Path outside;

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void inputFilesAreWrittenWithTheirDirectories() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("/tmp/a.txt", bytes("a"));
        files.put("/tmp/deep/er/b.txt", bytes("bb"));
        RunFiles.place(files, run, Limits.DEFAULT_TMP_QUOTA);

        assertThat(run.resolve("a.txt")).hasContent("a");
        assertThat(run.resolve("deep/er/b.txt")).hasContent("bb");
    }

    @Test
    void inputFilesBeyondTheQuotaOrInsideEachOtherAreRefused() {
        SandboxException tooMuch = catchRefusal(() -> RunFiles.place(Map.of("/tmp/a", new byte[11]), run, 10));
        assertThat(tooMuch.reason()).isEqualTo(SandboxException.Reason.INVALID_CONFIGURATION);
        assertThat(tooMuch).hasMessage("the input files hold 11, more than the /tmp quota of 10");

        Map<String, byte[]> nested = new LinkedHashMap<>();
        nested.put("/tmp/a", bytes("x"));
        nested.put("/tmp/a/b", bytes("y"));
        assertThat(catchRefusal(() -> RunFiles.place(nested, run, 100)))
                .hasMessage("input file /tmp/a/b would be inside input file /tmp/a");
    }

    @Test
    void outputFilesAreReadBackUpToTheLimit() throws IOException {
        Files.writeString(run.resolve("small.txt"), "small");
        Files.createDirectories(run.resolve("sub"));
        Files.writeString(run.resolve("sub/exact.txt"), "12345");
        Files.writeString(run.resolve("large.txt"), "123456");

        RunFiles.Collected collected = RunFiles.collect(
                Set.of("/tmp/small.txt", "/tmp/sub/exact.txt", "/tmp/missing.txt", "/tmp/sub"), run, 5);
        assertThat(collected.files()).containsOnlyKeys("/tmp/small.txt", "/tmp/sub/exact.txt");
        assertThat(collected.files().get("/tmp/sub/exact.txt")).isEqualTo(bytes("12345"));
        assertThat(collected.tooLarge()).isFalse();

        RunFiles.Collected large = RunFiles.collect(Set.of("/tmp/large.txt"), run, 5);
        assertThat(large.files()).isEmpty();
        assertThat(large.tooLarge()).isTrue();
    }

    @Test
    void symbolicLinksTheGuestMadeAreNotFollowed() throws IOException {
        Path secret = Files.writeString(outside.resolve("secret"), "host secret");
        Files.createSymbolicLink(run.resolve("link"), secret);
        Files.createSymbolicLink(run.resolve("dir"), outside);
        Files.createDirectories(run.resolve("real"));
        Files.createSymbolicLink(run.resolve("real/up"), outside);

        RunFiles.Collected collected = RunFiles.collect(
                Set.of("/tmp/link", "/tmp/dir/secret", "/tmp/real/up/secret"), run, 1 << 20);
        assertThat(collected.files()).isEmpty();
        assertThat(collected.tooLarge()).isFalse();
    }

    @Test
    void namesAreStoredAsTheGuestFileSystemStoresThem() throws Exception {
        String guestName = "\uF8FF"; // the escape character of GuestNames: stored escaped on the host
        RunFiles.place(Map.of("/tmp/" + guestName, bytes("x")), run, 100);
        assertThat(run.resolve(dev.hyperlight.nanvix.vfs.GuestNames.toHost(guestName))).hasContent("x");
        assertThat(RunFiles.collect(Set.of("/tmp/" + guestName), run, 100).files()).containsOnlyKeys("/tmp/" + guestName);
    }

    @Test
    void filesUnderAMountAtOrBelowTmpAreRefused() throws Exception {
        RunRequest request = RunRequest.code(GuestRuntime.JAVASCRIPT, "1").inputFile("in/a", bytes("a"))
                .outputFile("out").build();
        RunFiles.checkNotHidden(request, List.of(Mount.readOnly("/", outside), Mount.readOnly("/tmp/other", outside)));

        assertThat(catchRefusal(() -> RunFiles.checkNotHidden(request, List.of(Mount.writable("/tmp", outside)))))
                .hasMessage("file /tmp/in/a would be in the mount at /tmp, not in the run's own /tmp");
        assertThat(catchRefusal(() -> RunFiles.checkNotHidden(request, List.of(Mount.writable("/tmp/out", outside)))))
                .hasMessageContaining("file /tmp/out would be in the mount at /tmp/out");
    }

    private interface Refusable {
        void run() throws SandboxException;
    }

    private static SandboxException catchRefusal(Refusable action) {
        try {
            action.run();
        } catch (SandboxException e) {
            return e;
        }
        throw new AssertionError("not refused");
    }

}
