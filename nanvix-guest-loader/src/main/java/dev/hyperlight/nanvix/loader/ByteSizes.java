package dev.hyperlight.nanvix.loader;

import java.util.Locale;

/** Sizes and addresses worded for people, for exception messages. */
final class ByteSizes {

    private ByteSizes() {}

    private static final String[] UNITS = {"EiB", "PiB", "TiB", "GiB", "MiB", "KiB"};

    /** "16 MiB" for whole units, "80.0 MiB" rounded otherwise, "40 bytes" below 1 KiB. */
    static String describe(long bytes) {
        if (bytes < 0) {
            return Long.toUnsignedString(bytes) + " bytes";
        }
        for (int i = 0; i < UNITS.length; i++) {
            int shift = 60 - 10 * i;
            long unit = 1L << shift;
            if (bytes >= unit) {
                return bytes % unit == 0
                        ? (bytes >>> shift) + " " + UNITS[i]
                        : String.format(Locale.ROOT, "%.1f %s", (double) bytes / unit, UNITS[i]);
            }
        }
        return bytes + (bytes == 1 ? " byte" : " bytes");
    }

    /** The size in the largest unit that divides it exactly: "65532 KiB", "1000 bytes". */
    static String exact(long bytes) {
        for (int i = 0; i < UNITS.length; i++) {
            int shift = 60 - 10 * i;
            if (bytes > 0 && bytes % (1L << shift) == 0) {
                return (bytes >>> shift) + " " + UNITS[i];
            }
        }
        return Long.toUnsignedString(bytes) + (bytes == 1 ? " byte" : " bytes");
    }

    static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }

    static long alignUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }

    static long alignDown(long value, long alignment) {
        return value & -alignment;
    }
}
