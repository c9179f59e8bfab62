package dev.hyperlight.nanvix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.HypervisorProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HostPlatform#healthChecks()}, doctor's checks as a library call, on backends made for the
 * test: none, one whose device is missing, one that cannot open, and one on a {@link
 * ParkedHypervisor}. On this host's real /dev/kvm: {@code DoctorCommandTest} in hyperlight-cli.
 */
class HostPlatformTest {

    @TempDir
    Path tmp;

    /** A backend on {@code device} that opens {@code hypervisor}, or fails as {@code failure} says. */
    private record TestProvider(Path device, Flavour flavour, Optional<HypervisorException> failure)
            implements HypervisorProvider {
        @Override
        public String name() {
            return "test";
        }

        @Override
        public boolean isPresent() {
            return Files.exists(device);
        }

        @Override
        public Hypervisor open() throws HypervisorException {
            if (failure.isPresent()) {
                throw failure.get();
            }
            return ParkedHypervisor.prompt();
        }
    }

    private static HealthCheck named(List<HealthCheck> checks, String name) {
        return checks.stream().filter(check -> check.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + name + " in " + checks));
    }

    @Test
    void withoutABackendNoRunCanWork() {
        List<HealthCheck> checks = HostPlatform.healthChecks(Optional.empty());

        assertThat(checks.getFirst().name()).isEqualTo("java");
        HealthCheck hypervisor = named(checks, "hypervisor");
        assertThat(hypervisor.status()).isEqualTo(HealthCheck.Status.FAIL);
        assertThat(hypervisor.failure()).contains(SandboxException.Reason.HYPERVISOR_MISSING);
        assertThat(hypervisor.line()).isEqualTo(
                "FAIL hypervisor: no hypervisor backend is on the class path -- add hyperlight-kvm to it");
        assertThat(checks).extracting(HealthCheck::name).contains("image base", "runtime javascript", "runtime python");
    }

    @Test
    void aMissingDeviceStopsTheHypervisorChecks() {
        Path device = tmp.resolve("kvm");
        List<HealthCheck> checks = HostPlatform.healthChecks(Optional.of(
                new TestProvider(device, Flavour.HARDWARE, Optional.empty())));

        HealthCheck missing = named(checks, "device");
        assertThat(missing.failure()).contains(SandboxException.Reason.HYPERVISOR_MISSING);
        assertThat(missing.detail()).isEqualTo(device + " does not exist");
        assertThat(checks).extracting(HealthCheck::name).doesNotContain("api", "vm", "flavour");
    }

    @Test
    void aBackendThatCannotOpenFailsWithItsReason() throws IOException {
        Path device = Files.createFile(tmp.resolve("kvm"));
        List<HealthCheck> checks = HostPlatform.healthChecks(Optional.of(new TestProvider(device, Flavour.HARDWARE,
                Optional.of(new HypervisorException(HypervisorException.Kind.UNSUPPORTED, "KVM API 11, need 12")))));

        assertThat(named(checks, "device").status()).isEqualTo(HealthCheck.Status.OK);
        HealthCheck api = named(checks, "api");
        assertThat(api.failure()).contains(SandboxException.Reason.HYPERVISOR_UNSUPPORTED);
        assertThat(api.detail()).isEqualTo("KVM API 11, need 12");
    }

    @Test
    void aWorkingBackendCreatesAVmAndTellsItsFlavour() throws IOException {
        Path device = Files.createFile(tmp.resolve("kvm"));
        List<HealthCheck> checks = HostPlatform.healthChecks(Optional.of(
                new TestProvider(device, Flavour.PVM, Optional.empty())));

        assertThat(named(checks, "device").line()).isEqualTo(
                "OK   device: " + device + " exists, readable and writable by this user");
        assertThat(named(checks, "api").line()).isEqualTo("OK   api: parked");
        assertThat(named(checks, "vm").line()).isEqualTo("OK   vm: created a VM with 16 MiB of RAM and a vCPU");
        // A backend without the multi-process deployment says so, as a warning only.
        HealthCheck multiProcess = named(checks, "multi-process");
        assertThat(multiProcess.status()).isEqualTo(HealthCheck.Status.WARN);
        assertThat(multiProcess.detail()).contains("has no");
        HealthCheck flavour = named(checks, "flavour");
        assertThat(flavour.status()).isEqualTo(HealthCheck.Status.WARN);
        assertThat(flavour.hint()).contains("tens of microseconds");
        assertThat(checks).noneMatch(check -> check.status() == HealthCheck.Status.FAIL);
    }

    @Test
    void aFailureReasonGoesWithFailOnly() {
        assertThatThrownBy(() -> new HealthCheck("x", HealthCheck.Status.OK, "d", "",
                Optional.of(SandboxException.Reason.HOST_ERROR))).hasMessageContaining("FAIL and only with it");
        assertThatThrownBy(() -> new HealthCheck("x", HealthCheck.Status.FAIL, "d", "h", Optional.empty()))
                .hasMessageContaining("FAIL and only with it");
        assertThat(new HealthCheck("x", HealthCheck.Status.WARN, "d", "h", Optional.empty()).line())
                .isEqualTo("WARN x: d -- h");
    }
}
