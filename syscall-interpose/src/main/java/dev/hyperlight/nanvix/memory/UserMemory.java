package dev.hyperlight.nanvix.memory;

import dev.hyperlight.nanvix.memory.PageTableWalker.Access;
import dev.hyperlight.nanvix.memory.UserTranslation.Fault;
import dev.hyperlight.nanvix.memory.UserTranslation.Mapped;
import dev.hyperlight.nanvix.memory.UserTranslation.Piece;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The program's memory by user virtual address, for one forwarded call: each range is translated
 * by {@link PageTableWalker} under the page tables at {@code cr3}, so the host reads and writes the
 * program's own pages (no copy in the guest). A range the tables do not allow throws {@link
 * UserPageFault} before a byte is touched.
 *
 * <p>A range that maps to one piece of guest RAM is handed out as a view of it. One spread over
 * several frames is staged in host memory: a readable range is gathered into it, a writable one is
 * gathered too (so bytes a call does not write keep their value) and scattered back by {@link
 * #commit}. The staging lives until {@link #commit}, which the caller runs when the call ends.
 * Not thread-safe: one call, one thread.
 */
public final class UserMemory implements GuestMemory {

    private static final long PAGE = 4096;

    private final GuestMemory ram;
    private final PageTableWalker walker;
    private final long cr3;
    private Arena staging;
    private final List<Staged> pending = new ArrayList<>(0);

    /** A writable range staged in host memory, to scatter back to its pieces. */
    private record Staged(MemorySegment copy, List<Piece> pieces) {}

    public UserMemory(GuestMemory ram, PageTableWalker walker, long cr3) {
        this.ram = Objects.requireNonNull(ram, "ram");
        this.walker = Objects.requireNonNull(walker, "walker");
        this.cr3 = cr3;
    }

    /** The page-table root the program's addresses are translated under. */
    public long cr3() {
        return cr3;
    }

    /** Addresses go up to the end of the lower canonical half; the tables decide which are valid. */
    @Override
    public long size() {
        return PageTableWalker.USER_HALF_END;
    }

    /** The same as {@link #readable}: a read-only view (writing needs {@link #writable}). */
    @Override
    public MemorySegment range(long address, long length) {
        return readable(address, length);
    }

    @Override
    public MemorySegment readable(long address, long length) {
        if (length == 0) {
            return MemorySegment.NULL;
        }
        List<Piece> pieces = translate(address, length, Access.READ);
        return pieces.size() == 1 ? ram.range(pieces.getFirst().gpa(), length).asReadOnly()
                : gather(pieces, length).asReadOnly();
    }

    @Override
    public MemorySegment writable(long address, long length) {
        if (length == 0) {
            return MemorySegment.NULL;
        }
        List<Piece> pieces = translate(address, length, Access.WRITE);
        if (pieces.size() == 1) {
            return ram.range(pieces.getFirst().gpa(), length);
        }
        MemorySegment copy = gather(pieces, length);
        pending.add(new Staged(copy, pieces));
        return copy;
    }

    /**
     * Checks that the program lets the host access {@code [address, address + length)} as asked,
     * without handing out a view: a {@link UserPageFault} if not.
     */
    public void check(long address, long length, boolean write) {
        if (length != 0) {
            translate(address, length, write ? Access.WRITE : Access.READ);
        }
    }

    /** Scatters staged writable ranges back to the program's pages and frees the staging. */
    @Override
    public void commit() {
        try {
            for (Staged staged : pending) {
                long offset = 0;
                for (Piece piece : staged.pieces()) {
                    MemorySegment.copy(staged.copy(), offset, ram.range(piece.gpa(), piece.length()), 0, piece.length());
                    offset += piece.length();
                }
            }
        } finally {
            pending.clear();
            if (staging != null) {
                staging.close();
                staging = null;
            }
        }
    }

    /**
     * The string at {@code address}, page by page, so that it may end just before a page the
     * program cannot read; a page it needs and cannot read is a {@link UserPageFault} for the rest
     * of that page.
     */
    @Override
    public byte[] readCBytes(long address, int maxLength) {
        if (maxLength < 0) {
            throw new IllegalArgumentException("negative maximum string length " + maxLength);
        }
        long window = maxLength + 1L;
        byte[] bytes = new byte[(int) Math.min(window, PAGE)];
        int length = 0;
        long cursor = address;
        while (length < window) {
            long chunk = Math.min(PAGE - (cursor & (PAGE - 1)), window - length);
            MemorySegment page = readable(cursor, chunk);
            for (long i = 0; i < chunk; i++) {
                byte b = page.get(ValueLayout.JAVA_BYTE, i);
                if (b == 0) {
                    return Arrays.copyOf(bytes, length);
                }
                if (length == bytes.length) {
                    bytes = Arrays.copyOf(bytes, (int) Math.min(window, 2L * bytes.length));
                }
                bytes[length++] = b;
            }
            cursor += chunk;
        }
        throw new GuestStringTooLongException("string at 0x" + Long.toHexString(address)
                + " has no NUL within " + maxLength + " bytes");
    }

    /** The pieces of a non-empty range, or a {@link UserPageFault}. */
    private List<Piece> translate(long address, long length, Access access) {
        if (length < 0) {
            throw new BadGuestAddressException("negative length " + length);
        }
        return switch (walker.translate(cr3, address, length, access)) {
            case Mapped mapped -> mapped.pieces();
            case Fault fault -> throw new UserPageFault(fault.address(), faultLength(address, length, fault.address()),
                    access == Access.WRITE, fault.reason());
        };
    }

    /** The rest of the range from the failing byte (a wrapped or non-canonical range: 1). */
    private static long faultLength(long address, long length, long failed) {
        long rest = length - (failed - address);
        return rest > 0 && rest <= length ? rest : 1;
    }

    private MemorySegment gather(List<Piece> pieces, long length) {
        if (staging == null) {
            staging = Arena.ofConfined();
        }
        MemorySegment copy = staging.allocate(Math.max(length, 1));
        long offset = 0;
        for (Piece piece : pieces) {
            MemorySegment.copy(ram.range(piece.gpa(), piece.length()), 0, copy, offset, piece.length());
            offset += piece.length();
        }
        return copy.asSlice(0, length);
    }
}
