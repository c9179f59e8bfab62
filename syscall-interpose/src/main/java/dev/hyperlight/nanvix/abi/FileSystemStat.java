package dev.hyperlight.nanvix.abi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What {@code statfs}/{@code fstatfs} report about the file system holding a file, encoded as the
 * x86-64 {@code struct statfs}. Sizes are in {@code blockSize} blocks.
 *
 * @param type the {@code f_type} magic number
 * @param flags mount flags: {@link #ST_RDONLY} for a read-only mount
 */
public record FileSystemStat(long type, long blockSize, long blocks, long freeBlocks, long availableBlocks,
        long files, long freeFiles, long nameLength, long flags) {

    /** {@code sizeof(struct statfs)} on x86-64. */
    public static final int SIZE = 120;
    /** {@code ST_RDONLY}. */
    public static final long ST_RDONLY = 1;
    /** {@code TMPFS_MAGIC}: a mount whose size is its write quota, as a tmpfs's is its size. */
    public static final long TMPFS_MAGIC = 0x01021994L;
    /** {@code EXT4_SUPER_MAGIC}: a mount of a host directory (the host file system's numbers). */
    public static final long HOST_MAGIC = 0xEF53L;
    /** {@code PIPEFS_MAGIC}: pipes, sockets and the console, which lie in no mount. */
    public static final long PIPEFS_MAGIC = 0x50495045L;
    /** {@code NAME_MAX}. */
    public static final long NAME_MAX = 255;

    /** Writes the 120-byte {@code struct statfs} at the start of {@code out}. */
    public void encode(MemorySegment out) {
        MemorySegment s = out.asSlice(0, SIZE);
        s.fill((byte) 0);
        long[] fields = {type, blockSize, blocks, freeBlocks, availableBlocks, files, freeFiles};
        for (int i = 0; i < fields.length; i++) {
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, 8L * i, fields[i]);
        }
        // f_fsid (two ints at 56) stays zero, as many Linux file systems report it.
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, 64, nameLength);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, 72, blockSize); // f_frsize
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, 80, flags);
    }
}
