package dev.hyperlight.nanvix.hypervisor;

/** Segment, descriptor-table and control registers of an x86-64 vCPU. */
public record SpecialRegisters(
        Segment cs, Segment ds, Segment es, Segment fs, Segment gs, Segment ss,
        Segment tr, Segment ldt,
        DescriptorTable gdt, DescriptorTable idt,
        long cr0, long cr2, long cr3, long cr4, long cr8,
        long efer, long apicBase) {

    /** Current privilege level: the DPL of the code segment in 64-bit mode. */
    public int privilegeLevel() {
        return cs.selector() & 3;
    }
}
