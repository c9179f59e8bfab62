package dev.hyperlight.nanvix.syscall;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * The only way the I/O side touches guest memory: a bounds-checked view of guest RAM by
 * guest-physical address. Every range is checked before a byte is read or written, so a hostile
 * guest cannot make the host access anything outside its own RAM.
 */
public interface GuestMemory {

    /** Bytes of guest RAM. */
    long size();

    /**
     * The guest-physical range {@code [gpa, gpa + length)} as a memory segment.
     *
     * @throws BadGuestAddressException if the range overflows or leaves guest RAM
     */
    MemorySegment range(long gpa, long length);

    /** Reads a NUL-terminated string of at most {@code maxLength} bytes (without the NUL). */
    default String readCString(long gpa, int maxLength) {
        long available = Math.min(maxLength + 1L, size() - Math.max(0, Math.min(gpa, size())));
        MemorySegment bytes = range(gpa, Math.max(available, 1));
        for (long i = 0; i < bytes.byteSize(); i++) {
            if (bytes.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) == 0) {
                return new String(bytes.asSlice(0, i).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                        StandardCharsets.UTF_8);
            }
        }
        throw new BadGuestAddressException("string at 0x" + Long.toHexString(gpa)
                + " is not NUL-terminated within " + maxLength + " bytes");
    }

    /** A view over a whole memory segment (guest RAM as mapped by the backend). */
    static GuestMemory of(MemorySegment ram) {
        return new SegmentGuestMemory(ram);
    }
}
