package dev.hyperlight.nanvix.memory;

import java.util.List;
import java.util.Objects;

/**
 * What a user virtual address range is in guest-physical memory, by {@link PageTableWalker}: the
 * guest-RAM pieces it maps to, in order, or the reason the program may not access it.
 */
public sealed interface UserTranslation {

    /** One contiguous piece of guest RAM, {@code [gpa, gpa + length)}, inside guest RAM. */
    record Piece(long gpa, long length) {
        public Piece {
            if (gpa < 0 || length <= 0) {
                throw new IllegalArgumentException("piece [0x" + Long.toHexString(gpa) + ", +" + length + ")");
            }
        }
    }

    /**
     * The range maps to these pieces, in address order, adjacent ones merged; their lengths add up
     * to the range's. Empty for an empty range.
     */
    record Mapped(List<Piece> pieces) implements UserTranslation {
        public Mapped {
            pieces = List.copyOf(pieces);
        }

        /** Bytes mapped: the range's length. */
        public long length() {
            return pieces.stream().mapToLong(Piece::length).sum();
        }
    }

    /**
     * The program may not access the range: {@code address} is the first byte it may not access.
     * The program sees EFAULT, as Linux gives it for a bad user pointer (this package is below the
     * Linux vocabulary of {@code abi}, so the caller says it).
     */
    record Fault(long address, Reason reason) implements UserTranslation {
        public Fault {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Why a range cannot be accessed; all are EFAULT to the program, the reason is for logs and tests. */
    enum Reason {
        /** Outside the lower canonical half, or the range runs past its end (or wraps). */
        NOT_USER_HALF,
        /** Longer than one transfer may be (callers cap the program's count first, as Linux does). */
        TOO_LONG,
        /** A table the walk reaches lies (partly) outside guest RAM. */
        TABLE_OUTSIDE_RAM,
        /** An entry on the way has its present bit clear (PROT_NONE entries included). */
        NOT_PRESENT,
        /** An entry on the way lacks the user bit. */
        SUPERVISOR_ONLY,
        /** A write, and an entry on the way lacks the write bit. */
        READ_ONLY,
        /** An entry has a bit set that the processor reserves (a walk there would fault). */
        RESERVED_BIT,
        /** The page frame (or the part of a large page the range touches) lies outside guest RAM. */
        FRAME_OUTSIDE_RAM
    }
}
