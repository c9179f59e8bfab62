package dev.hyperlight.nanvix.hypervisor;

import java.lang.foreign.MemorySegment;
import java.util.Map;

/** One virtual machine: its guest RAM and its vCPUs. Closing it releases every resource. */
public interface VirtualMachine extends AutoCloseable {

    /** Guest RAM, guest-physical address 0 at offset 0. Valid until {@link #close()}. */
    MemorySegment memory();

    /**
     * Makes this VM's RAM a copy of {@code source}'s (same size, same backend), for a VM fork.
     * Backends copy only the pages the source has touched where they can tell: the rest is zero
     * in both.
     */
    default void copyMemoryFrom(VirtualMachine source) throws HypervisorException {
        if (source.memory().byteSize() != memory().byteSize()) {
            throw new IllegalArgumentException("the VMs' memory sizes differ");
        }
        memory().copyFrom(source.memory());
    }

    /**
     * Captures this VM with {@code vcpu} (its only vCPU), which must be stopped at an exit: a copy
     * of guest RAM and the vCPU's {@link VirtualCpu#saveState() state}, with the caller's {@code
     * tags} (e.g. kernel and image digests). The VM runs on unchanged; later writes to its RAM do
     * not reach the snapshot.
     */
    default VmSnapshot snapshot(VirtualCpu vcpu, Map<String, String> tags) throws HypervisorException {
        throw new HypervisorException(HypervisorException.Kind.UNSUPPORTED, "this backend cannot snapshot a VM");
    }

    /** Creates the next vCPU (ids count from 0) with the CPUID the host supports. */
    VirtualCpu createVcpu() throws HypervisorException;

    @Override
    void close();
}
