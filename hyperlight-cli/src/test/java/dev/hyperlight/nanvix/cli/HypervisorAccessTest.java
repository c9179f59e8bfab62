package dev.hyperlight.nanvix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The command without a usable /dev/kvm: missing device and no permission each get one sentence
 * and their own exit status. The command runs as a separate JVM: as "nobody" (the tests run as
 * root, who may open anything) or with the device path pointed elsewhere.
 */
class HypervisorAccessTest {

    private static final Path EXAMPLES = Path.of(System.getProperty("examples.dir", "../guest-examples"));
    private static final int NOBODY = 65534;

    private Path shared;

    /** A world-readable copy of the class path and the program, for the unprivileged JVM. */
    @BeforeEach
    void shareClassPath() throws IOException {
        shared = Files.createTempDirectory("hyperlight-cli-test",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path source = Path.of(entry);
            if (Files.exists(source)) {
                copyTree(source, shared.resolve("cp").resolve(Integer.toString(entry.hashCode())));
            }
        }
        copyTree(EXAMPLES.resolve("hello-c"), shared.resolve("hello-c"));
        try (Stream<Path> all = Files.walk(shared)) {
            for (Path path : all.toList()) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(
                        Files.isDirectory(path) ? "rwxr-xr-x" : "rwxr--r--"));
            }
        }
    }

    @AfterEach
    void removeCopy() throws IOException {
        try (Stream<Path> all = Files.walk(shared)) {
            for (Path path : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    @Test
    void noPermissionOnDevKvm() throws Exception {
        Result result = runCli(AS_NOBODY, List.of(), "hello-c");

        assertThat(result.status()).as(result.err()).isEqualTo(ExitCodes.NO_PERMISSION);
        assertThat(result.err().lines()).hasSize(1).first().asString().contains("/dev/kvm").contains("permission");
    }

    @Test
    void doctorNamesTheMissingPermission() throws Exception {
        Result result = runCli(AS_NOBODY, List.of(), "doctor");

        assertThat(result.status()).as(result.err()).isEqualTo(ExitCodes.NO_PERMISSION);
        assertThat(result.out().lines()).contains("FAIL permission: this user may not open /dev/kvm for reading and"
                + " writing -- add the user to the group owning it (usually 'kvm') and log in again");
    }

    @Test
    void doctorNamesTheMissingDevice() throws Exception {
        Result result = runCli(List.of(), List.of("-Dhyperlight.kvm.device=/dev/no-such-kvm"), "doctor");

        assertThat(result.status()).as(result.err()).isEqualTo(ExitCodes.NO_HYPERVISOR);
        assertThat(result.out().lines()).anySatisfy(line -> assertThat(line)
                .startsWith("FAIL device: /dev/no-such-kvm does not exist -- this host offers no kvm"));
        assertThat(result.out().lines()).noneSatisfy(line -> assertThat(line).startsWith("OK   vm"));
    }

    @Test
    void missingDevKvm() throws Exception {
        Result result = runCli(List.of(), List.of("-Dhyperlight.kvm.device=/dev/no-such-kvm"), "hello-c");

        assertThat(result.status()).as(result.err()).isEqualTo(ExitCodes.NO_HYPERVISOR);
        assertThat(result.err().lines()).hasSize(1).first().asString().contains("/dev/no-such-kvm");
    }

    private static final List<String> AS_NOBODY =
            List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups");

    private record Result(int status, String out, String err) {}

    /** Runs the command with one argument, {@code hello-c} (the program) or {@code doctor}. */
    private Result runCli(List<String> prefix, List<String> jvmOptions, String argument)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(prefix);
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classPath());
        command.add(Main.class.getName());
        command.add(argument.equals("hello-c") ? shared.resolve("hello-c").toString() : argument);
        Process process = new ProcessBuilder(command).directory(shared.toFile())
                .redirectError(shared.resolve("stderr").toFile()).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = process.waitFor();
        return new Result(status, out, Files.readString(shared.resolve("stderr")));
    }

    private String classPath() throws IOException {
        try (Stream<Path> entries = Files.list(shared.resolve("cp"))) {
            return String.join(File.pathSeparator, entries.map(Path::toString).toList());
        }
    }

    private static void copyTree(Path source, Path target) throws IOException {
        if (Files.isRegularFile(source)) {
            Files.createDirectories(target.getParent());
            Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
            return;
        }
        try (Stream<Path> all = Files.walk(source)) {
            for (Path path : all.toList()) {
                Path destination = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(destination);
                } else {
                    Files.copy(path, destination);
                }
            }
        }
    }
}
