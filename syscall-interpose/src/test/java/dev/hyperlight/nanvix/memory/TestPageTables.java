package dev.hyperlight.nanvix.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Guest RAM holding x86-64 page tables written the way the guest kernel writes them
 * (guest-kernel/src/mm/paging.rs): tables {@code P|W|U}, leaves {@code P|U[|W][|NX]}, 2 MiB pages
 * with PS in the directory entry. Tables are taken from {@link #TABLES_START} up; tests also
 * write raw entries anywhere.
 */
final class TestPageTables implements AutoCloseable {

    static final long PAGE = 4096;
    static final long LARGE = 2L << 20;
    static final long HUGE = 1L << 30;
    static final long P = PageTableWalker.PRESENT;
    static final long W = PageTableWalker.WRITABLE;
    static final long U = PageTableWalker.USER;
    static final long PS = PageTableWalker.LARGE;
    static final long NX = 1L << 63;
    /** The guest kernel's PROT_NONE marker: a software bit, present clear. */
    static final long PROT_NONE = 1L << 9;
    static final long TABLE_FLAGS = P | W | U;
    static final long USER_RW = P | U | W | NX;
    static final long USER_RO = P | U | NX;
    /** Tables are allocated from here (the first page is left for a root at 0 in hostile tests). */
    static final long TABLES_START = PAGE;

    private static final ValueLayout.OfLong ENTRY = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Arena arena = Arena.ofConfined();
    final MemorySegment ram;
    final GuestMemory memory;
    final long root;
    private final long tablesEnd;
    private long nextTable = TABLES_START;

    /** {@code ramBytes} of zeroed RAM with room for tables in {@code [TABLES_START, tablesEnd)}. */
    TestPageTables(long ramBytes, long tablesEnd) {
        this.ram = arena.allocate(ramBytes, PAGE);
        this.memory = GuestMemory.of(ram);
        this.tablesEnd = tablesEnd;
        this.root = newTable();
    }

    long newTable() {
        if (nextTable + PAGE > tablesEnd) {
            throw new IllegalStateException("no room for another table");
        }
        long table = nextTable;
        nextTable += PAGE;
        return table;
    }

    long entry(long table, long index) {
        return ram.get(ENTRY, table + index * 8);
    }

    void setEntry(long table, long index, long entry) {
        ram.set(ENTRY, table + index * 8, entry);
    }

    static long index(long va, int level) {
        return (va >>> (12 + 9 * level)) & 511;
    }

    /** The table at {@code level} (3: the root) for {@code va}, creating the missing ones down to it. */
    long tableAt(long va, int level) {
        long table = root;
        for (int l = 3; l > level; l--) {
            long entry = entry(table, index(va, l));
            if ((entry & P) == 0) {
                long fresh = newTable();
                setEntry(table, index(va, l), fresh | TABLE_FLAGS);
                table = fresh;
            } else {
                table = entry & PageTableWalker.ADDRESS_MASK;
            }
        }
        return table;
    }

    void map4k(long va, long frame, long flags) {
        setEntry(tableAt(va, 0), index(va, 0), frame | flags);
    }

    void map2m(long va, long frame, long flags) {
        setEntry(tableAt(va, 1), index(va, 1), frame | flags | PS);
    }

    void map1g(long va, long frame, long flags) {
        setEntry(tableAt(va, 2), index(va, 2), frame | flags | PS);
    }

    @Override
    public void close() {
        arena.close();
    }
}
