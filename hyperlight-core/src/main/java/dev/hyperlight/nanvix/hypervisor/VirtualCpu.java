package dev.hyperlight.nanvix.hypervisor;

/**
 * One virtual CPU. {@link #run()} must be called from a single platform thread; {@link
 * #interrupt()} may be called from any thread.
 */
public interface VirtualCpu extends AutoCloseable {

    /**
     * The general registers as of the last exit. After an I/O exit RIP may still be on the
     * {@code in}/{@code out} (hardware KVM finishes it when the vCPU runs again) or past it (PVM);
     * {@link #saveState()} finishes it first.
     */
    Registers registers() throws HypervisorException;

    void setRegisters(Registers registers) throws HypervisorException;

    SpecialRegisters specialRegisters() throws HypervisorException;

    void setSpecialRegisters(SpecialRegisters registers) throws HypervisorException;

    /**
     * The general registers at the last exit, as {@link #registers()}; a backend may read them from
     * where the hypervisor already put them (KVM's synced registers): the system-call door reads
     * them at every call it serves.
     */
    default Registers exitRegisters() throws HypervisorException {
        return registers();
    }

    /** CR3 at the last exit, as {@link #specialRegisters()} has it. */
    default long exitCr3() throws HypervisorException {
        return specialRegisters().cr3();
    }

    /**
     * Sets the general registers the vCPU resumes with, as {@link #setRegisters}; a backend may
     * hand them over with the next {@link #run()} instead of at once (KVM's dirty synced registers).
     */
    default void resumeWith(Registers registers) throws HypervisorException {
        setRegisters(registers);
    }

    /** Writes model-specific registers, e.g. {@code IA32_STAR}. */
    void setMsr(int index, long value) throws HypervisorException;

    /**
     * The whole architectural state of this vCPU, stopped at an exit, with the exit's instruction
     * completed (the state resumes after it): general and special registers, FPU/SSE/AVX state,
     * the system-call and segment-base MSRs and the TSC. A VM fork gives it to the new VM's vCPU
     * with {@link #restoreState}; it is the backend's own format.
     */
    default CpuState saveState() throws HypervisorException {
        throw new HypervisorException(HypervisorException.Kind.UNSUPPORTED, "this backend cannot copy a vCPU");
    }

    /** Loads a state {@link #saveState()} took from a vCPU of the same backend. */
    default void restoreState(CpuState state) throws HypervisorException {
        throw new HypervisorException(HypervisorException.Kind.UNSUPPORTED, "this backend cannot copy a vCPU");
    }

    /** TSC frequency of this vCPU in kHz, or 0 when the backend cannot tell. */
    long tscKhz();

    /**
     * Runs the vCPU until the next exit and decodes it. Returns {@link VmExit.Interrupted} when
     * {@link #interrupt()} was called (before or during the run).
     */
    VmExit run() throws HypervisorException;

    /**
     * CPU time, in nanoseconds since the vCPU was made, that its runs used on a thread other than
     * the one calling {@link #run()}: a VMM process's vCPU thread in the multi-process deployment.
     * 0 where {@link #run()} runs the guest on the calling thread, whose own CPU time then includes
     * the guest's. Safe from any thread; after the vCPU's process is gone, the last time read.
     */
    default long cpuTimeElsewhereNanos() {
        return 0;
    }

    /**
     * Makes the current or next {@link #run()} return {@link VmExit.Interrupted} soon; safe from
     * any thread, idempotent. Once interrupted, every later run returns at once.
     */
    void interrupt();

    /**
     * Makes the current {@link #run()} return {@link VmExit.Nudged} soon, once (a preemption
     * tick); safe from any thread. A run that is not in progress is not affected. Backends
     * without it never nudge: their guests are not preempted.
     */
    default void nudge() {}

    @Override
    void close();
}
