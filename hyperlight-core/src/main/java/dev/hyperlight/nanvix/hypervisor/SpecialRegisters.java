package dev.hyperlight.nanvix.hypervisor;

/** Segment, descriptor-table and control registers of an x86-64 vCPU. */
public record SpecialRegisters(
        Segment cs, Segment ds, Segment es, Segment fs, Segment gs, Segment ss,
        Segment tr, Segment ldt,
        DescriptorTable gdt, DescriptorTable idt,
        long cr0, long cr2, long cr3, long cr4, long cr8,
        long efer, long apicBase) {

    /** CR0.PE: protected mode (long mode included). */
    private static final long CR0_PROTECTION_ENABLE = 1L;

    /**
     * Current privilege level: 0 in real mode, else the DPL of SS, which the CPU keeps equal to
     * the CPL (KVM computes the CPL the same way). CS's selector bits are not used: in real mode
     * they are address bits.
     */
    public int privilegeLevel() {
        return privilegeLevel(cr0, ss.dpl());
    }

    /** {@link #privilegeLevel()} from the two registers it needs, for backends that read them alone. */
    public static int privilegeLevel(long cr0, int ssDpl) {
        return (cr0 & CR0_PROTECTION_ENABLE) == 0 ? 0 : ssDpl;
    }
}
