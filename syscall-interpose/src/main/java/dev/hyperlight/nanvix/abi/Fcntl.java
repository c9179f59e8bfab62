package dev.hyperlight.nanvix.abi;

/** Flag and command values of the Linux x86-64 file calls ({@code <fcntl.h>}, {@code <unistd.h>}). */
public final class Fcntl {

    private Fcntl() {
    }

    // open(2) flags (octal, as in the kernel headers).
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_ACCMODE = 03;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DIRECT = 040000;
    public static final int O_LARGEFILE = 0100000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_PATH = 010000000;
    /** O_TMPFILE includes O_DIRECTORY; this is the bit that tells it apart. */
    public static final int O_TMPFILE_BIT = 020000000;

    // fcntl(2) commands and descriptor flags.
    public static final int F_DUPFD = 0;
    public static final int F_GETFD = 1;
    public static final int F_SETFD = 2;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int FD_CLOEXEC = 1;

    // *at(2) calls.
    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_REMOVEDIR = 0x200;
    public static final int AT_SYMLINK_FOLLOW = 0x400;
    public static final int AT_NO_AUTOMOUNT = 0x800;
    public static final int AT_EMPTY_PATH = 0x1000;

    // renameat2(2) flags.
    public static final int RENAME_NOREPLACE = 1;

    // lseek(2) whence.
    public static final int SEEK_SET = 0;
    public static final int SEEK_CUR = 1;
    public static final int SEEK_END = 2;
    public static final int SEEK_DATA = 3;
    public static final int SEEK_HOLE = 4;

    // access(2) modes.
    public static final int F_OK = 0;
    public static final int X_OK = 1;
    public static final int W_OK = 2;
    public static final int R_OK = 4;

    // ioctl(2) requests that apply to every descriptor, not only terminals.
    public static final long FIONBIO = 0x5421;
    public static final long FIONREAD = 0x541b;
    public static final long FIONCLEX = 0x5450;
    public static final long FIOCLEX = 0x5451;
}
