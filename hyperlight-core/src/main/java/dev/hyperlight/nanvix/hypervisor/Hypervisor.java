package dev.hyperlight.nanvix.hypervisor;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * A hypervisor backend (KVM, mshv): opens the device once and creates virtual machines.
 * Implementations are found with {@link java.util.ServiceLoader} through {@link HypervisorProvider}.
 */
public interface Hypervisor extends AutoCloseable {

    /** Short name of the backend, e.g. {@code "kvm"}. */
    String name();

    /** What the opened device offers, for diagnostics, e.g. {@code "KVM API 12, 61 CPUID leaves"}. */
    default String describe() {
        return name();
    }

    /**
     * Creates a VM with {@code memorySize} bytes of zeroed guest RAM at guest-physical address 0.
     * The host mapping is surrounded by guard pages.
     */
    VirtualMachine createVm(long memorySize) throws HypervisorException;

    /**
     * A new VM whose RAM is {@code snapshot}'s, copy-on-write (only the pages it writes become its
     * own), and whose one vCPU resumes where the snapshot was taken, its TSC moved on by the time
     * since {@link SnapshotInfo#takenAt()} where the backend can set it, and in any case {@link
     * ClonedVm#tscLag() how far} the TSC is from that, so that the guest's clocks can be made to read
     * the real time. The host work does not grow with the RAM size.
     *
     * @throws HypervisorException of kind {@link HypervisorException.Kind#UNSUPPORTED} when another
     *     backend took the snapshot or this host's TSC runs at another frequency
     */
    default ClonedVm cloneVm(VmSnapshot snapshot) throws HypervisorException {
        return cloneVm(snapshot, Clock.systemUTC());
    }

    /**
     * {@link #cloneVm(VmSnapshot)} with the time since the snapshot measured on {@code clock}: a
     * clock ahead of the real one makes a clone "made later" (tests).
     */
    default ClonedVm cloneVm(VmSnapshot snapshot, Clock clock) throws HypervisorException {
        throw new HypervisorException(HypervisorException.Kind.UNSUPPORTED, "this backend cannot clone a VM");
    }

    /**
     * Loads a snapshot {@link VmSnapshot#save} wrote, after {@link SnapshotFile} checked it: its
     * format and digests, that this backend and flavour took it, and that it carries each of {@code
     * requiredTags} with the same value.
     *
     * @throws SnapshotRefusedException with a one-sentence reason; the caller starts cold instead
     */
    default VmSnapshot loadSnapshot(Path file, Map<String, String> requiredTags)
            throws SnapshotRefusedException, HypervisorException {
        throw new HypervisorException(HypervisorException.Kind.UNSUPPORTED, "this backend cannot load a snapshot");
    }

    @Override
    void close();
}
