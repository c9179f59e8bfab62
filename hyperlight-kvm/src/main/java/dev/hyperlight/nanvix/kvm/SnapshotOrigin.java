package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.hypervisor.Flavour;
import java.util.Map;

/**
 * What a snapshot taken on this host depends on besides the caller's tags: the flavour of KVM
 * (a PVM guest's state does not load on hardware KVM) and the CPUID the vCPUs were given (a guest
 * that found AVX-512 would fault on a host without it), tagged as {@value #CPUID_TAG}.
 */
record SnapshotOrigin(Flavour flavour, String cpuidDigest) {

    static final String CPUID_TAG = "kvm.cpuid";

    /** The tags a snapshot of this host carries and a snapshot file must carry to load here. */
    Map<String, String> tags() {
        return Map.of(CPUID_TAG, cpuidDigest);
    }
}
