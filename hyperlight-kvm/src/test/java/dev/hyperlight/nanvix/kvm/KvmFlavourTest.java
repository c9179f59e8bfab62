package dev.hyperlight.nanvix.kvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.hypervisor.Flavour;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The flavour comes from the KVM vendor module listed in /sys/module. */
@Tag("no-vm") // runs without /dev/kvm too (scripts/nested-kvm/run-tests)
class KvmFlavourTest {

    @TempDir
    Path modules;

    @Test
    void kvmPvmIsPvm() throws IOException {
        Files.createDirectories(modules.resolve("kvm"));
        Files.createDirectories(modules.resolve("kvm_pvm/parameters"));

        assertThat(KvmHypervisorProvider.flavour(modules)).isEqualTo(Flavour.PVM);
    }

    @Test
    void intelAndAmdModulesAreHardware() throws IOException {
        Files.createDirectories(modules.resolve("kvm_intel"));
        assertThat(KvmHypervisorProvider.flavour(modules)).isEqualTo(Flavour.HARDWARE);

        Files.delete(modules.resolve("kvm_intel"));
        Files.createDirectories(modules.resolve("kvm_amd"));
        assertThat(KvmHypervisorProvider.flavour(modules)).isEqualTo(Flavour.HARDWARE);
    }

    @Test
    void noVendorModuleIsUnknown() throws IOException {
        Files.createDirectories(modules.resolve("kvm"));
        Files.writeString(modules.resolve("kvm_pvm"), "a file, not a module directory");

        assertThat(KvmHypervisorProvider.flavour(modules)).isEqualTo(Flavour.UNKNOWN);
    }

    @Test
    void theProviderReadsThisHostsModules() {
        assertThat(new KvmHypervisorProvider().flavour())
                .isEqualTo(KvmHypervisorProvider.flavour(Path.of("/sys/module")));
    }
}
