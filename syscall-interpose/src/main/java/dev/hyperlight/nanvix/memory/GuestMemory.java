package dev.hyperlight.nanvix.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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

    /**
     * {@code [address, address + length)} for the host to read. For guest-physical memory the
     * same as {@link #range}; {@link UserMemory} translates a program's address.
     *
     * @throws BadGuestAddressException if the range is not guest RAM
     * @throws UserPageFault if the program's page tables do not allow the read
     */
    default MemorySegment readable(long address, long length) {
        return range(address, length);
    }

    /**
     * {@code [address, address + length)} for the host to write; what is written reaches the guest
     * at {@link #commit} at the latest.
     *
     * @throws BadGuestAddressException if the range is not guest RAM
     * @throws UserPageFault if the program's page tables do not allow the write
     */
    default MemorySegment writable(long address, long length) {
        return range(address, length);
    }

    /** Makes every write to a {@link #writable} view reach the guest; the call's views end here. */
    default void commit() {
    }

    /**
     * The bytes of the NUL-terminated string at {@code gpa}, without the NUL. Only the bytes up to
     * and including the NUL are read, so a short string near the end of RAM is fine.
     *
     * @param maxLength most bytes the string may have before its NUL
     * @throws BadGuestAddressException if {@code gpa} is outside guest RAM or RAM ends before the NUL
     * @throws GuestStringTooLongException if none of the first {@code maxLength + 1} bytes is a NUL
     */
    default byte[] readCBytes(long gpa, int maxLength) {
        if (maxLength < 0) {
            throw new IllegalArgumentException("negative maximum string length " + maxLength);
        }
        if (gpa < 0 || gpa >= size()) {
            throw new BadGuestAddressException("string at 0x" + Long.toHexString(gpa) + " is outside guest RAM");
        }
        long window = maxLength + 1L;
        boolean ramEndsFirst = window > size() - gpa;
        MemorySegment bytes = range(gpa, ramEndsFirst ? size() - gpa : window);
        for (long i = 0; i < bytes.byteSize(); i++) {
            if (bytes.get(ValueLayout.JAVA_BYTE, i) == 0) {
                return bytes.asSlice(0, i).toArray(ValueLayout.JAVA_BYTE);
            }
        }
        if (ramEndsFirst) {
            throw new BadGuestAddressException("string at 0x" + Long.toHexString(gpa) + " runs past the end of guest RAM");
        }
        throw new GuestStringTooLongException("string at 0x" + Long.toHexString(gpa)
                + " has no NUL within " + maxLength + " bytes");
    }

    /**
     * The NUL-terminated string at {@code gpa} decoded as UTF-8 (malformed bytes become U+FFFD);
     * see {@link #readCBytes} for the limits and failures.
     */
    default String readCString(long gpa, int maxLength) {
        return new String(readCBytes(gpa, maxLength), StandardCharsets.UTF_8);
    }

    /** A view over a whole memory segment (guest RAM as mapped by the backend). */
    static GuestMemory of(MemorySegment ram) {
        return new SegmentGuestMemory(ram);
    }
}
