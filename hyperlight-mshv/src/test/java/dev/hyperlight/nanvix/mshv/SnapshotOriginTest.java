package dev.hyperlight.nanvix.mshv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.hypervisor.Flavour;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The processor identity mshv snapshots are tagged with: what it takes from /proc/cpuinfo, and what it leaves. */
@Tag("no-vm")
class SnapshotOriginTest {

    private static final String CPU = """
            processor	: 0
            vendor_id	: GenuineIntel
            cpu family	: 6
            model		: 143
            stepping	: 8
            microcode	: 0x2b000590
            cpu MHz		: %s
            flags		: fpu vme %s
            apicid		: 0

            processor	: 1
            vendor_id	: GenuineIntel
            cpu MHz		: 1200.000
            """;

    @TempDir
    Path directory;

    private String identity(String mhz, String flags) throws Exception {
        return SnapshotOrigin.processor(Files.writeString(directory.resolve("cpuinfo"), CPU.formatted(mhz, flags)));
    }

    @Test
    void theFirstProcessorsModelAndFlagsNotItsClock() throws Exception {
        assertThat(identity("2100.000", "avx2")).isEqualTo(
                "vendor_id=GenuineIntel\ncpu family=6\nmodel=143\nstepping=8\nflags=fpu vme avx2\n");
        assertThat(identity("3400.000", "avx2")).as("another clock speed").isEqualTo(identity("2100.000", "avx2"));
        assertThat(identity("2100.000", "avx512f")).as("other features").isNotEqualTo(identity("2100.000", "avx2"));
        assertThat(SnapshotOrigin.processor(directory.resolve("missing"))).isEqualTo("cpuinfo unreadable");
    }

    @Test
    void theDeviceIsPartOfTheIdentity() {
        assertThat(SnapshotOrigin.of(Flavour.HARDWARE, Path.of("/dev/mshv")).cpuDigest())
                .isNotEqualTo(SnapshotOrigin.of(Flavour.HARDWARE, Path.of("/dev/kvm")).cpuDigest())
                .hasSize(64);
    }
}
