package dev.hyperlight.nanvix.hypervisor;

/**
 * One virtual CPU. {@link #run()} must be called from a single platform thread; {@link
 * #interrupt()} may be called from any thread.
 */
public interface VirtualCpu extends AutoCloseable {

    Registers registers() throws HypervisorException;

    void setRegisters(Registers registers) throws HypervisorException;

    SpecialRegisters specialRegisters() throws HypervisorException;

    void setSpecialRegisters(SpecialRegisters registers) throws HypervisorException;

    /** Writes model-specific registers, e.g. {@code IA32_STAR}. */
    void setMsr(int index, long value) throws HypervisorException;

    /** TSC frequency of this vCPU in kHz, or 0 when the backend cannot tell. */
    long tscKhz();

    /**
     * Runs the vCPU until the next exit and decodes it. Returns {@link VmExit.Interrupted} when
     * {@link #interrupt()} was called (before or during the run).
     */
    VmExit run() throws HypervisorException;

    /**
     * Makes the current or next {@link #run()} return {@link VmExit.Interrupted} soon; safe from
     * any thread, idempotent. Once interrupted, every later run returns at once.
     */
    void interrupt();

    @Override
    void close();
}
