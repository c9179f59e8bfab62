package dev.hyperlight.nanvix.hypervisor;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a {@link VmSnapshot} is, besides its RAM and vCPU state: the backend that took it and what
 * runs guests behind it (a snapshot only loads on the same), the guest RAM size, the TSC frequency
 * the guest calibrated its clocks with, when it was taken (a clone's TSC is moved on by the time
 * since), and the caller's tags, such as the digests of the kernel and image it was booted from.
 *
 * @param hypervisor the backend's {@link Hypervisor#name()}, e.g. {@code "kvm"}
 * @param tags sorted, unmodifiable; keys and values as {@link SnapshotFile} bounds them
 */
public record SnapshotInfo(String hypervisor, Flavour flavour, long memorySize, long tscKhz, Instant takenAt,
        Map<String, String> tags) {

    public SnapshotInfo {
        Objects.requireNonNull(hypervisor, "hypervisor");
        Objects.requireNonNull(flavour, "flavour");
        Objects.requireNonNull(takenAt, "takenAt");
        if (memorySize <= 0 || memorySize % SnapshotFile.PAGE_SIZE != 0 || memorySize > SnapshotFile.MAX_MEMORY_SIZE) {
            throw new IllegalArgumentException("memory size must be a positive multiple of " + SnapshotFile.PAGE_SIZE
                    + " up to " + SnapshotFile.MAX_MEMORY_SIZE + ": " + memorySize);
        }
        if (tscKhz < 0) {
            throw new IllegalArgumentException("negative TSC frequency: " + tscKhz);
        }
        SnapshotFile.checkName("hypervisor name", hypervisor);
        if (tags.size() > SnapshotFile.MAX_TAGS) {
            throw new IllegalArgumentException("more than " + SnapshotFile.MAX_TAGS + " tags: " + tags.size());
        }
        tags.forEach((key, value) -> {
            SnapshotFile.checkName("tag name", key);
            SnapshotFile.checkValue(key, value);
        });
        tags = Collections.unmodifiableMap(new TreeMap<>(tags));
    }

    /** This information with {@code extra} tags added (a backend adds its own, e.g. the CPUID's digest). */
    public SnapshotInfo withTags(Map<String, String> extra) {
        Map<String, String> all = new TreeMap<>(tags);
        all.putAll(extra);
        return new SnapshotInfo(hypervisor, flavour, memorySize, tscKhz, takenAt, all);
    }
}
