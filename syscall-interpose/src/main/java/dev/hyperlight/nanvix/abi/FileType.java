package dev.hyperlight.nanvix.abi;

/** The file types of {@code st_mode & S_IFMT}, with their {@code d_type} in directory entries. */
public enum FileType {
    FIFO(0010000, 1),
    CHARACTER_DEVICE(0020000, 2),
    DIRECTORY(0040000, 4),
    BLOCK_DEVICE(0060000, 6),
    REGULAR(0100000, 8),
    SYMLINK(0120000, 10),
    SOCKET(0140000, 12);

    /** Mask of the type bits in a mode. */
    public static final int S_IFMT = 0170000;

    private final int modeBits;
    private final int direntType;

    FileType(int modeBits, int direntType) {
        this.modeBits = modeBits;
        this.direntType = direntType;
    }

    /** The {@code S_IF*} value. */
    public int modeBits() {
        return modeBits;
    }

    /** The {@code DT_*} value. */
    public int direntType() {
        return direntType;
    }

    /** The type a host mode names; an unknown type counts as a socket, which nothing can open. */
    public static FileType ofMode(int mode) {
        int bits = mode & S_IFMT;
        for (FileType type : values()) {
            if (type.modeBits == bits) {
                return type;
            }
        }
        return SOCKET;
    }
}
