package dev.hyperlight.nanvix.hypervisor;

/**
 * What actually runs the guest behind a backend's device. The guest kernel is correct on every
 * flavour; the flavour tells how fast its privileged code runs (see docs/guest-abi.md, "Platform
 * notes for the host").
 */
public enum Flavour {
    /** Hardware-assisted virtualization (Intel VT-x, AMD-V, Hyper-V partitions). */
    HARDWARE("hardware virtualization"),
    /**
     * PVM, the Pagetable-based Virtual Machine ({@code kvm_pvm}): the guest runs in hardware ring 3
     * under shadow paging, and without PVM's paravirtual interface its kernel code is emulated.
     */
    PVM("PVM (kvm_pvm): guest kernel code is emulated"),
    /** The backend cannot tell. */
    UNKNOWN("unknown");

    private final String description;

    Flavour(String description) {
        this.description = description;
    }

    /** A few words for humans, e.g. in {@code --version}. */
    public String description() {
        return description;
    }
}
