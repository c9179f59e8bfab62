package dev.hyperlight.nanvix.hostmem.sys;

/**
 * The request-number encoding of {@code <asm-generic/ioctl.h>} (x86-64): the function-like macros
 * {@code _IO}, {@code _IOR}, {@code _IOW} and {@code _IOWR}, which jextract cannot translate.
 */
public final class ioctl_h {

    private ioctl_h() {}

    private static final int _IOC_NRSHIFT = 0;
    private static final int _IOC_TYPESHIFT = 8;
    private static final int _IOC_SIZESHIFT = 16;
    private static final int _IOC_DIRSHIFT = 30;
    private static final int _IOC_SIZEBITS = 14;

    public static final int _IOC_NONE = 0;
    public static final int _IOC_WRITE = 1;
    public static final int _IOC_READ = 2;

    public static long _IOC(int dir, int type, int nr, long size) {
        if (size < 0 || size >= (1L << _IOC_SIZEBITS)) {
            throw new IllegalArgumentException("ioctl argument size " + size + " does not fit in _IOC_SIZEBITS");
        }
        return ((long) dir << _IOC_DIRSHIFT)
                | ((long) type << _IOC_TYPESHIFT)
                | ((long) nr << _IOC_NRSHIFT)
                | (size << _IOC_SIZESHIFT);
    }

    public static long _IO(int type, int nr) {
        return _IOC(_IOC_NONE, type, nr, 0);
    }

    public static long _IOR(int type, int nr, long size) {
        return _IOC(_IOC_READ, type, nr, size);
    }

    public static long _IOW(int type, int nr, long size) {
        return _IOC(_IOC_WRITE, type, nr, size);
    }

    public static long _IOWR(int type, int nr, long size) {
        return _IOC(_IOC_READ | _IOC_WRITE, type, nr, size);
    }
}
