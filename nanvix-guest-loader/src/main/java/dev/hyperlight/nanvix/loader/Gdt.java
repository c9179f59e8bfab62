package dev.hyperlight.nanvix.loader;

import static dev.hyperlight.nanvix.loader.GuestAbi.GDT_GPA;
import static dev.hyperlight.nanvix.loader.GuestAbi.PAGE_SIZE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The host GDT the kernel is entered with, at GPA 0x3000: null, an unused null slot, 64-bit
 * kernel code ({@code 0x10}), kernel data ({@code 0x18}) and a 64-bit TSS ({@code 0x20}) whose
 * 104-byte TSS sits in the same page at offset {@link #TSS_OFFSET}. The kernel replaces all of it
 * with its own GDT, TSS and IDT as its first act; this one only has to satisfy the CPU's entry
 * checks. The segment registers are derived from the same records that are encoded, so the
 * table in memory and the registers the host loads cannot disagree.
 */
public final class Gdt {

    public static final int KERNEL_CODE_SELECTOR = 0x10;
    public static final int KERNEL_DATA_SELECTOR = 0x18;
    public static final int TSS_SELECTOR = 0x20;
    /** Null, unused, code, data, and the two halves of the TSS descriptor. */
    public static final int ENTRY_COUNT = 6;
    public static final int LIMIT = ENTRY_COUNT * 8 - 1;
    public static final long TSS_OFFSET = 0x80;
    public static final int TSS_SIZE = 104;

    private static final int TYPE_CODE_EXECUTE_READ_ACCESSED = 0xb;
    private static final int TYPE_DATA_READ_WRITE_ACCESSED = 0x3;
    private static final int TYPE_TSS_64_BUSY = 0xb;
    private static final int TYPE_LDT = 0x2;
    /** Offset in the TSS of the I/O permission bitmap base; pointing past the end means none. */
    private static final int TSS_IOMAP_BASE_OFFSET = 102;

    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Gdt() {}

    /** The segment registers at entry. */
    public static SegmentRegisters segmentRegisters() {
        SegmentDescriptor code = new SegmentDescriptor(0, 0xffff_ffff, KERNEL_CODE_SELECTOR,
                TYPE_CODE_EXECUTE_READ_ACCESSED, true, 0, false, true, true, true, false, false);
        SegmentDescriptor data = new SegmentDescriptor(0, 0xffff_ffff, KERNEL_DATA_SELECTOR,
                TYPE_DATA_READ_WRITE_ACCESSED, true, 0, true, true, false, true, false, false);
        // Busy, as a TSS loaded into TR is; hardware KVM refuses an available type in TR.
        SegmentDescriptor tss = new SegmentDescriptor(GuestAbi.kva(GDT_GPA + TSS_OFFSET),
                TSS_SIZE - 1, TSS_SELECTOR, TYPE_TSS_64_BUSY,
                true, 0, false, false, false, false, false, false);
        SegmentDescriptor ldt = new SegmentDescriptor(0, 0, 0, TYPE_LDT,
                false, 0, false, false, false, false, false, true);
        return new SegmentRegisters(code, data, data, data, data, data, tss, ldt);
    }

    /** GDTR: the table's kernel virtual address (paging is on at entry) and limit. */
    public static DescriptorTableRegister register() {
        return new DescriptorTableRegister(GuestAbi.kva(GDT_GPA), LIMIT);
    }

    /** The table as 8-byte entries, index = selector / 8. */
    public static long[] entries() {
        SegmentRegisters registers = segmentRegisters();
        long[] entries = new long[ENTRY_COUNT];
        entries[KERNEL_CODE_SELECTOR / 8] = registers.cs().encode();
        entries[KERNEL_DATA_SELECTOR / 8] = registers.ds().encode();
        entries[TSS_SELECTOR / 8] = registers.tr().encode();
        entries[TSS_SELECTOR / 8 + 1] = registers.tr().encodeHigh();
        return entries;
    }

    /** Writes the GDT page (table and TSS) into guest RAM. */
    public static void write(MemorySegment ram) {
        MemorySegment page = ram.asSlice(GDT_GPA, PAGE_SIZE);
        page.fill((byte) 0);
        long[] entries = entries();
        for (int i = 0; i < entries.length; i++) {
            page.set(U64, i * 8L, entries[i]);
        }
        page.set(U16, TSS_OFFSET + TSS_IOMAP_BASE_OFFSET, (short) TSS_SIZE);
    }
}
