package dev.hyperlight.nanvix.hypervisor;

import java.lang.foreign.MemorySegment;

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

    /** Creates the next vCPU (ids count from 0) with the CPUID the host supports. */
    VirtualCpu createVcpu() throws HypervisorException;

    @Override
    void close();
}
