package dev.hyperlight.nanvix.hypervisor;

import java.lang.foreign.MemorySegment;

/** One virtual machine: its guest RAM and its vCPUs. Closing it releases every resource. */
public interface VirtualMachine extends AutoCloseable {

    /** Guest RAM, guest-physical address 0 at offset 0. Valid until {@link #close()}. */
    MemorySegment memory();

    /** Creates the next vCPU (ids count from 0) with the CPUID the host supports. */
    VirtualCpu createVcpu() throws HypervisorException;

    @Override
    void close();
}
