package dev.hyperlight.nanvix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.HostPlatform;
import dev.hyperlight.nanvix.RuntimeImage;
import dev.hyperlight.nanvix.hypervisor.Flavour;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hyperlight-nanvix doctor} in process, on this host's real /dev/kvm. */
class DoctorCommandTest {

    private static final String IMAGES = RuntimeImage.Debian.IMAGES_PROPERTY;

    @TempDir
    Path tmp;

    private final String imagesBefore = System.getProperty(IMAGES);

    @AfterEach
    void restoreImagesProperty() {
        if (imagesBefore == null) {
            System.clearProperty(IMAGES);
        } else {
            System.setProperty(IMAGES, imagesBefore);
        }
    }

    @Test
    void everyHypervisorCheckPassesOnThisHost() {
        CommandOutcome outcome = CommandOutcome.run("doctor");

        assertThat(outcome.status()).as(outcome.out() + outcome.err()).isZero();
        List<String> lines = outcome.out().lines().toList();
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("OK   java: Java " + Runtime.version()));
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .isEqualTo("OK   device: /dev/kvm exists, readable and writable by this user"));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("OK   api: KVM API 12 "));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("OK   vm: created a VM"));
        // The multi-process deployment works here, says how its VMM processes are confined and how they start warm.
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("OK   multi-process: KVM API 12 ")
                .contains("each VM in a VMM process confined with").contains("seccomp")
                .contains("warm starts: each clone's RAM a copy of its template's data"));
        Flavour flavour = HostPlatform.flavour();
        String expectedStatus = flavour == Flavour.HARDWARE ? "OK  " : "WARN";
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .startsWith(expectedStatus + " flavour: ").contains(flavour == Flavour.UNKNOWN ? "cannot tell" : flavour.description()));
        assertThat(lines).noneSatisfy(line -> assertThat(line).startsWith("FAIL"));
    }

    @Test
    void runtimeImagesAreFoundOrTheirAbsenceExplained() throws IOException {
        Path images = tmp.resolve("images");
        Files.createDirectories(images.resolve("base/root"));
        Path python = images.resolve("python/root/usr/bin/python3.11");
        Files.createDirectories(python.getParent());
        Files.writeString(python, "");
        System.setProperty(IMAGES, images.toString());

        List<String> found = CommandOutcome.run("doctor").out().lines().toList();
        assertThat(found).contains("OK   image base: found (loader and C/C++ libraries for dynamically linked programs)",
                "OK   runtime python: found (usr/bin/python3.11)");

        System.setProperty(IMAGES, tmp.resolve("empty").toString());
        CommandOutcome missing = CommandOutcome.run("doctor");
        assertThat(missing.status()).as("a missing image blocks only some runs").isZero();
        assertThat(missing.out().lines()).anySatisfy(line -> assertThat(line).startsWith("WARN image base: ")
                .contains("was not built").contains("-- dynamically linked programs cannot run until it is built"));
        assertThat(missing.out().lines()).anySatisfy(line -> assertThat(line).startsWith("WARN runtime python: ")
                .contains("was not built"));
    }

    @Test
    void helpAndBadUsage() {
        CommandOutcome help = CommandOutcome.run("doctor", "--help");
        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("Usage: doctor", "OK, WARN or FAIL");

        CommandOutcome bad = CommandOutcome.run("doctor", "--no-such-option");
        assertThat(bad.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).contains("--no-such-option");

        assertThat(CommandOutcome.run("--help").out()).contains("hyperlight-nanvix doctor");
    }
}
