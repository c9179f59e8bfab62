package dev.hyperlight.nanvix.mshv;

import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.SnapshotFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a snapshot taken on this host depends on besides the caller's tags: the flavour behind the
 * device and the processor the partitions' CPUID describes, tagged as {@value #CPU_TAG}. A VP's
 * CPUID is the hypervisor's (from the host processor, for partitions created with default
 * features, as this backend creates them), so the identity is the host processor's as Linux
 * reports it ({@code /proc/cpuinfo}: vendor, family, model, stepping, feature flags) and the
 * device the partitions came from: a guest that found AVX-512 would fault on a host without it,
 * and a snapshot made through the test harness ({@code /dev/kvm}) never loads on {@code /dev/mshv}.
 */
record SnapshotOrigin(Flavour flavour, String cpuDigest) {

    static final String CPU_TAG = "mshv.cpu";
    private static final Set<String> CPU_FIELDS = Set.of("vendor_id", "cpu family", "model", "stepping", "flags");

    /** This host's origin for partitions of {@code device}. */
    static SnapshotOrigin of(Flavour flavour, Path device) {
        return new SnapshotOrigin(flavour, SnapshotFile.sha256Hex((device + "\n" + processor(Path.of("/proc/cpuinfo")))
                .getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The identifying lines of the first processor in {@code cpuinfo} (those of {@link
     * #CPU_FIELDS}, as found), or a marker when it cannot be read: snapshots then load only where
     * it cannot be read either, and with the same device.
     */
    static String processor(Path cpuinfo) {
        List<String> lines;
        try {
            lines = Files.readAllLines(cpuinfo);
        } catch (IOException | RuntimeException e) {
            return "cpuinfo unreadable";
        }
        StringBuilder identity = new StringBuilder();
        for (String line : lines) {
            if (line.isBlank()) {
                break; // the end of the first processor's block
            }
            int colon = line.indexOf(':');
            if (colon > 0 && CPU_FIELDS.contains(line.substring(0, colon).strip())) {
                identity.append(line.substring(0, colon).strip()).append('=').append(line.substring(colon + 1).strip())
                        .append('\n');
            }
        }
        return identity.toString();
    }

    /** The tags a snapshot of this host carries and a snapshot file must carry to load here. */
    Map<String, String> tags() {
        return Map.of(CPU_TAG, cpuDigest);
    }
}
