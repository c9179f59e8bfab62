package dev.hyperlight.nanvix.loader;

/**
 * The vCPU state the host loads before the first entry (docs/guest-abi.md, "Entry state"), and
 * the layout it was computed for. Every value is final: the backend copies them into its
 * registers without deriving anything.
 *
 * @param rip KVA of the kernel's entry point
 * @param rsp 0: the kernel switches to its own stack first
 * @param rdi KVA of the boot info
 * @param rsi {@link AbiVersion#CURRENT}
 * @param cr3 GPA of the PML4
 * @param idt empty: the kernel loads its IDT before it enables anything that could fault
 */
public record BootState(
        long rip, long rsp, long rflags, long rdi, long rsi,
        long cr0, long cr3, long cr4, long efer,
        DescriptorTableRegister gdt, DescriptorTableRegister idt,
        SegmentRegisters segments,
        GuestLayout layout) {

    /** Reserved bit 1 only: interrupts off. */
    public static final long RFLAGS = 0x2;
    /** PE | MP | ET | NE | WP | PG. */
    public static final long CR0 = 1L | 1L << 1 | 1L << 4 | 1L << 5 | 1L << 16 | 1L << 31;
    /** PAE | OSFXSR | OSXMMEXCPT. */
    public static final long CR4 = 1L << 5 | 1L << 9 | 1L << 10;
    /** SCE | LME | LMA | NXE. */
    public static final long EFER = 1L | 1L << 8 | 1L << 10 | 1L << 11;

    static BootState at(long entryPoint, GuestLayout layout, long cr3) {
        return new BootState(entryPoint, 0, RFLAGS,
                GuestAbi.kva(layout.bootInfo()), AbiVersion.CURRENT,
                CR0, cr3, CR4, EFER,
                Gdt.register(), new DescriptorTableRegister(0, 0),
                Gdt.segmentRegisters(), layout);
    }
}
