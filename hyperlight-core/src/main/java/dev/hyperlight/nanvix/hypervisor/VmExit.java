package dev.hyperlight.nanvix.hypervisor;

/** Why {@link VirtualCpu#run()} returned: every exit a backend can report, decoded. */
public sealed interface VmExit {

    /**
     * An {@code out} instruction. {@code privilegeLevel} is the vCPU's CPL at the exit: 0 for the
     * guest kernel, 3 for user code (which PVM lets reach the host).
     */
    record IoOut(int port, int size, long value, int privilegeLevel) implements VmExit {}

    /**
     * An {@code in} instruction; the guest kernel of this project never issues one. The guest reads
     * all ones (no device), as from an empty PC bus.
     */
    record IoIn(int port, int size, int privilegeLevel) implements VmExit {}

    /**
     * An access to guest-physical memory that is not RAM. {@code data} is the value written, 0 for
     * a read; a read returns all ones to the guest (no device).
     */
    record Mmio(long address, int size, boolean write, long data) implements VmExit {}

    /** {@code hlt} with interrupts disabled. */
    record Halt() implements VmExit {}

    /** Triple fault or shutdown: the guest is beyond recovery. */
    record Shutdown() implements VmExit {}

    /** The hypervisor refused to enter the guest (invalid state), with its reason code. */
    record FailEntry(long reason) implements VmExit {}

    /** The hypervisor hit an internal error, with its sub-error code. */
    record InternalError(int suberror) implements VmExit {}

    /**
     * {@link VirtualCpu#interrupt()} was called. Runs that other signals interrupt (EINTR from a
     * profiler's or the JVM's signal) re-enter the guest instead, so this always means "asked to
     * stop".
     */
    record Interrupted() implements VmExit {}

    /**
     * {@link VirtualCpu#nudge()} stopped the run once: the guest can be preempted (its run goes on
     * at the next {@link VirtualCpu#run()}).
     */
    record Nudged() implements VmExit {}

    /** An exit reason this backend does not decode. */
    record Unknown(int reason) implements VmExit {}
}
