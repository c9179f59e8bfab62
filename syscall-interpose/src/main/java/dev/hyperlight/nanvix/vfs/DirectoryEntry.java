package dev.hyperlight.nanvix.vfs;

import dev.hyperlight.nanvix.abi.FileType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** One name in a directory listing, encoded as {@code struct linux_dirent64}. */
public record DirectoryEntry(long inode, FileType type, String name) {

    /** {@code d_ino}, {@code d_off}, {@code d_reclen}, {@code d_type}: the bytes before the name. */
    private static final int HEADER = 19;

    /** {@code d_reclen}: header, name, NUL, padded to 8 bytes. */
    public int recordLength() {
        return (HEADER + nameBytes().length + 1 + 7) & ~7;
    }

    /**
     * Writes the record at the start of {@code out}.
     *
     * @param nextOffset {@code d_off}: the directory position just after this entry
     */
    public void encode(MemorySegment out, long nextOffset) {
        byte[] bytes = nameBytes();
        MemorySegment record = out.asSlice(0, recordLength());
        record.fill((byte) 0);
        record.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, inode);
        record.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, nextOffset);
        record.set(ValueLayout.JAVA_SHORT_UNALIGNED, 16, (short) record.byteSize());
        record.set(ValueLayout.JAVA_BYTE, 18, (byte) type.direntType());
        MemorySegment.copy(bytes, 0, record, ValueLayout.JAVA_BYTE, HEADER, bytes.length);
    }

    private byte[] nameBytes() {
        return GuestNames.encode(name);
    }
}
