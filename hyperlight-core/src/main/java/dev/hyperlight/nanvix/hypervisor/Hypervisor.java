package dev.hyperlight.nanvix.hypervisor;

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

    @Override
    void close();
}
