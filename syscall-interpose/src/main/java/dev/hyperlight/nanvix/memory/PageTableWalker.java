package dev.hyperlight.nanvix.memory;

import dev.hyperlight.nanvix.memory.UserTranslation.Fault;
import dev.hyperlight.nanvix.memory.UserTranslation.Mapped;
import dev.hyperlight.nanvix.memory.UserTranslation.Piece;
import dev.hyperlight.nanvix.memory.UserTranslation.Reason;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Translates a program's virtual addresses to guest-physical ones by walking the guest's x86-64
 * 4-level page tables the way the processor does for a user-mode access, so that the host can
 * read and write the program's memory itself. The tables are the guest's, so untrusted data:
 *
 * <ul>
 *   <li>every table and every page frame is checked against guest RAM before a byte of it is used;
 *   <li>the user bit must be set at all four levels, and for a write the write bit too;
 *   <li>a non-present entry, a reserved bit (the large-page bit in a PML4 entry, the low
 *       address bits of a 1 GiB or 2 MiB page), an address outside the lower canonical half or a
 *       range that leaves it (or wraps) is a {@link Fault}, EFAULT for the program;
 *   <li>a walk is always at most four reads per page, so a table that points to itself or to an
 *       ancestor (a cycle) cannot make it loop: it is read as the processor reads it.
 * </ul>
 *
 * The one write to the tables is the processor's own: a write access sets the dirty bit of each
 * leaf entry it goes through, so that the guest kernel writes back the pages of a shared file
 * mapping the host stored into (docs/guest-abi.md, "Shared file mappings"); the entry was read
 * inside guest RAM, and bit 6 of an entry that is a table in truth (a cycle) is ignored by the
 * processor. Accessed bits are left alone. Nothing the tables say throws: the result is a
 * {@link Mapped} or a {@link Fault}. Entries the guest kernel writes (guest-kernel/src/mm/paging.rs): tables
 * {@code P|W|U}, leaves {@code P|U[|W][|NX]} at 4 KiB or 2 MiB (PS in the directory entry), and
 * PROT_NONE as a software bit with present clear; the host-built kernel half has no user bit.
 * 1 GiB pages are read as a processor with 1 GiB pages (CPUID Page1GB) reads them, though
 * neither side writes them; either way the frame must lie in guest RAM.
 */
public final class PageTableWalker {

    /** What the program asks to do with the range. */
    public enum Access {
        READ,
        WRITE
    }

    /** End of the lower canonical half: user addresses are below 2^47 with 4-level paging. */
    public static final long USER_HALF_END = 1L << 47;
    /** Linux's cap on one read or write (MAX_RW_COUNT); callers cap the program's count to it. */
    public static final long MAX_LENGTH = 0x7fff_f000L;

    static final long PRESENT = 1L;
    static final long WRITABLE = 1L << 1;
    static final long USER = 1L << 2;
    /** Set by the processor in a leaf entry on a write through it. */
    static final long DIRTY = 1L << 6;
    /** PS: in a PDPT entry a 1 GiB page, in a directory entry a 2 MiB page, reserved in a PML4 entry. */
    static final long LARGE = 1L << 7;
    /** Bits 12..51: the next table or the frame. Bits above MAXPHYADDR fail the RAM check. */
    static final long ADDRESS_MASK = 0x000f_ffff_ffff_f000L;
    /** Bit 12 of a large-page entry is PAT; the rest below the page's alignment is reserved. */
    private static final long PAT_LARGE = 1L << 12;

    private static final long TABLE_BYTES = 4096;
    private static final ValueLayout.OfLong ENTRY = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GuestMemory memory;

    public PageTableWalker(GuestMemory memory) {
        this.memory = Objects.requireNonNull(memory, "memory");
    }

    /**
     * The guest-RAM pieces of the user range {@code [address, address + length)} under the page
     * tables rooted at {@code cr3} (its address bits; the low flag or PCID bits are ignored), or
     * the first byte the program may not {@code access}. Never throws for any value of the
     * arguments or of guest RAM.
     */
    public UserTranslation translate(long cr3, long address, long length, Access access) {
        Objects.requireNonNull(access, "access");
        if (length == 0) {
            return new Mapped(List.of());
        }
        if (address < 0 || address >= USER_HALF_END || length < 0 || length > USER_HALF_END - address) {
            return new Fault(address, Reason.NOT_USER_HALF);
        }
        if (length > MAX_LENGTH) {
            return new Fault(address, Reason.TOO_LONG);
        }
        long root = cr3 & ADDRESS_MASK;
        List<Piece> pieces = new ArrayList<>();
        long cursor = address;
        long end = address + length;
        while (cursor < end) {
            Leaf leaf = walk(root, cursor, access);
            if (leaf.fault() != null) {
                return new Fault(cursor, leaf.fault());
            }
            long offset = cursor & (leaf.size() - 1);
            long chunk = Math.min(leaf.size() - offset, end - cursor);
            long gpa = leaf.frame() + offset;
            if (!inRam(gpa, chunk)) {
                return new Fault(cursor, Reason.FRAME_OUTSIDE_RAM);
            }
            int last = pieces.size() - 1;
            if (last >= 0 && pieces.get(last).gpa() + pieces.get(last).length() == gpa) {
                pieces.set(last, new Piece(pieces.get(last).gpa(), pieces.get(last).length() + chunk));
            } else {
                pieces.add(new Piece(gpa, chunk));
            }
            cursor += chunk;
        }
        return new Mapped(pieces);
    }

    /** A page: its frame and size, or why the walk stopped (then frame and size are 0). */
    private record Leaf(long frame, long size, Reason fault) {
        static Leaf failed(Reason reason) {
            return new Leaf(0, 0, reason);
        }
    }

    /** Walks the four levels for the page holding {@code va} (a user-half address). */
    private Leaf walk(long root, long va, Access access) {
        long table = root;
        for (int level = 3; level >= 0; level--) {
            if (!inRam(table, TABLE_BYTES)) {
                return Leaf.failed(Reason.TABLE_OUTSIDE_RAM);
            }
            long index = (va >>> (12 + 9 * level)) & 511;
            MemorySegment slot = memory.range(table + index * 8, 8);
            long entry = slot.get(ENTRY, 0);
            if ((entry & PRESENT) == 0) {
                return Leaf.failed(Reason.NOT_PRESENT);
            }
            if ((entry & USER) == 0) {
                return Leaf.failed(Reason.SUPERVISOR_ONLY);
            }
            if (access == Access.WRITE && (entry & WRITABLE) == 0) {
                return Leaf.failed(Reason.READ_ONLY);
            }
            boolean large = (entry & LARGE) != 0;
            if (large && level == 3) {
                return Leaf.failed(Reason.RESERVED_BIT);
            }
            if (large && level > 0) {
                long size = 1L << (12 + 9 * level);
                long reserved = (size - 1) & ~(TABLE_BYTES - 1) & ~PAT_LARGE;
                if ((entry & reserved) != 0) {
                    return Leaf.failed(Reason.RESERVED_BIT);
                }
                markDirty(slot, entry, access);
                return new Leaf(entry & ADDRESS_MASK & ~(size - 1), size, null);
            }
            if (level == 0) {
                markDirty(slot, entry, access);
            }
            // At level 0 bit 7 is PAT, not a size: a 4 KiB page either way.
            table = entry & ADDRESS_MASK;
        }
        return new Leaf(table, TABLE_BYTES, null);
    }

    private static void markDirty(MemorySegment slot, long entry, Access access) {
        if (access == Access.WRITE && (entry & DIRTY) == 0) {
            slot.set(ENTRY, 0, entry | DIRTY);
        }
    }

    /** Whether {@code [gpa, gpa + length)} lies in guest RAM, without overflow. */
    private boolean inRam(long gpa, long length) {
        long size = memory.size();
        return gpa >= 0 && length >= 0 && gpa <= size && length <= size - gpa;
    }
}
