package dev.hyperlight.nanvix.memory;

import java.lang.foreign.MemorySegment;

/** {@link GuestMemory} over one segment of guest RAM starting at guest-physical address 0. */
final class SegmentGuestMemory implements GuestMemory {

    private final MemorySegment ram;

    SegmentGuestMemory(MemorySegment ram) {
        this.ram = ram;
    }

    @Override
    public long size() {
        return ram.byteSize();
    }

    @Override
    public MemorySegment range(long gpa, long length) {
        if (!contains(ram.byteSize(), gpa, length)) {
            throw new BadGuestAddressException("guest range [0x" + Long.toHexString(gpa) + ", +"
                    + length + ") is outside guest RAM of " + ram.byteSize() + " bytes");
        }
        return ram.asSlice(gpa, length);
    }

    /** Whether {@code [start, start + length)} lies in {@code [0, size)}, without overflow. */
    static boolean contains(long size, long start, long length) {
        return start >= 0 && length >= 0 && start <= size && length <= size - start;
    }
}
