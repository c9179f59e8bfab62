package dev.hyperlight.nanvix;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses memory sizes the way the CLI takes them: {@code 256M}, {@code 1G}, {@code 65536}. */
public final class Sizes {

    private static final Pattern FORMAT = Pattern.compile("(\\d+)([kmg]i?b?|b)?");

    private Sizes() {}

    /**
     * Parses {@code <number>[K|M|G]} (binary units; bytes when the unit is missing).
     *
     * @throws IllegalArgumentException with a sentence naming the bad value
     */
    public static long parse(String text) {
        Matcher matcher = FORMAT.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new IllegalArgumentException("'" + text
                    + "' is not a size: use a whole number with K, M or G, e.g. 256M or 1G");
        }
        String unit = matcher.group(2) == null ? "b" : matcher.group(2).substring(0, 1);
        int shift = switch (unit) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        try {
            long amount = Long.parseLong(matcher.group(1));
            if (amount > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return amount << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large a size");
        }
    }

    /** Prints a byte count in the largest binary unit that keeps it whole. */
    public static String format(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "G";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "M";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "K";
        }
        return Long.toString(bytes);
    }
}
