package dev.hyperlight.nanvix.loader;

/**
 * One ELF64 program header as stored in the file. Address and size fields are unsigned 64-bit
 * values held in {@code long}s; {@link ElfFile} has validated them for {@code PT_LOAD} and
 * {@code PT_INTERP} entries before handing them out.
 *
 * @param index position in the program header table (as {@code readelf -l} numbers it)
 */
public record ProgramHeader(
        int index, int type, int flags,
        long offset, long virtualAddress, long physicalAddress,
        long fileSize, long memorySize, long alignment) {

    public static final int PT_NULL = 0;
    public static final int PT_LOAD = 1;
    public static final int PT_DYNAMIC = 2;
    public static final int PT_INTERP = 3;
    public static final int PT_NOTE = 4;
    public static final int PT_PHDR = 6;
    public static final int PT_TLS = 7;
    public static final int PT_GNU_STACK = 0x6474e551;

    public static final int PF_X = 1;
    public static final int PF_W = 2;
    public static final int PF_R = 4;

    public boolean isLoad() {
        return type == PT_LOAD;
    }

    public boolean isExecutable() {
        return (flags & PF_X) != 0;
    }

    public boolean isWritable() {
        return (flags & PF_W) != 0;
    }

    /** One past the last byte in memory; only meaningful once validated (no overflow). */
    public long endAddress() {
        return virtualAddress + memorySize;
    }
}
