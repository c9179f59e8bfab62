package dev.hyperlight.nanvix.loader;

import static dev.hyperlight.nanvix.loader.GuestAbi.KERNEL_BASE;
import static dev.hyperlight.nanvix.loader.GuestAbi.LARGE_PAGE_SIZE;
import static dev.hyperlight.nanvix.loader.GuestAbi.PAGE_SIZE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The host-built page tables: all guest RAM mapped at {@link GuestAbi#KERNEL_BASE} with 2 MiB
 * pages, supervisor-only. Nothing else is mapped, so user addresses (and NULL) fault until the
 * kernel maps them.
 */
public final class PageTables {

    public static final long PRESENT = 1L;
    public static final long WRITABLE = 1L << 1;
    public static final long USER = 1L << 2;
    public static final long ACCESSED = 1L << 5;
    public static final long DIRTY = 1L << 6;
    public static final long PAGE_SIZE_BIT = 1L << 7;

    /** Bits 12..51 of an entry: the physical address of the next table or page. */
    public static final long ADDRESS_MASK = 0x000f_ffff_ffff_f000L;

    /** PML4 slot of KERNEL_BASE. */
    public static final int KERNEL_PML4_SLOT = (int) (KERNEL_BASE >>> 39) & 511;

    // Accessed and dirty are set up front: under shadow paging every write the CPU would make
    // to set them is a trap into the hypervisor.
    private static final long TABLE_FLAGS = PRESENT | WRITABLE | ACCESSED;
    private static final long LARGE_PAGE_FLAGS = PRESENT | WRITABLE | ACCESSED | DIRTY | PAGE_SIZE_BIT;

    private static final ValueLayout.OfLong ENTRY =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private PageTables() {}

    /** Writes PML4, PDPT and page directories at the GPAs of {@code layout}; returns CR3. */
    public static long write(MemorySegment ram, GuestLayout layout) {
        long directoryBytes = (long) layout.pageDirectoryCount() * PAGE_SIZE;
        ram.asSlice(layout.pml4(), PAGE_SIZE).fill((byte) 0);
        ram.asSlice(layout.pdpt(), PAGE_SIZE).fill((byte) 0);
        ram.asSlice(layout.pageDirectories(), directoryBytes).fill((byte) 0);

        ram.set(ENTRY, layout.pml4() + KERNEL_PML4_SLOT * 8L, layout.pdpt() | TABLE_FLAGS);
        for (int i = 0; i < layout.pageDirectoryCount(); i++) {
            long directory = layout.pageDirectories() + (long) i * PAGE_SIZE;
            ram.set(ENTRY, layout.pdpt() + i * 8L, directory | TABLE_FLAGS);
        }
        // Page directories are consecutive, so large page n sits at entry n counted from the first.
        for (long gpa = 0; gpa < layout.memorySize(); gpa += LARGE_PAGE_SIZE) {
            long entry = layout.pageDirectories() + gpa / LARGE_PAGE_SIZE * 8;
            ram.set(ENTRY, entry, gpa | LARGE_PAGE_FLAGS);
        }
        return layout.pml4();
    }
}
