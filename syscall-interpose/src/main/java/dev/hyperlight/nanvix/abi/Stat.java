package dev.hyperlight.nanvix.abi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Instant;

/**
 * What {@code stat} reports about a file, encoded as the x86-64 {@code struct stat}.
 *
 * @param mode type and permission bits ({@code st_mode})
 * @param blocks 512-byte blocks allocated
 */
public record Stat(long device, long inode, long links, int mode, int uid, int gid, long rdev, long size,
        long blockSize, long blocks, Instant accessed, Instant modified, Instant changed) {

    /** {@code sizeof(struct stat)} on x86-64. */
    public static final int SIZE = 144;

    public FileType type() {
        return FileType.ofMode(mode);
    }

    /** Writes the 144-byte {@code struct stat} at the start of {@code out}. */
    public void encode(MemorySegment out) {
        MemorySegment s = out.asSlice(0, SIZE);
        s.fill((byte) 0);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, device);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, inode);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, 16, links);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, 24, mode);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, 28, uid);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, 32, gid);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, 40, rdev);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, 48, size);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, 56, blockSize);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, 64, blocks);
        putTime(s, 72, accessed);
        putTime(s, 88, modified);
        putTime(s, 104, changed);
    }

    private static void putTime(MemorySegment s, long offset, Instant time) {
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, time.getEpochSecond());
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, offset + 8, time.getNano());
    }

    /** 512-byte blocks of a file of {@code size} bytes stored in whole 4 KiB blocks. */
    public static long blocksFor(long size) {
        return Math.ceilDiv(size, 4096) * 8;
    }
}
