package dev.hyperlight.nanvix;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints durations the way the CLI takes them: {@code 500ms}, {@code 2s}, {@code 1m}. */
public final class Durations {

    private static final Pattern FORMAT = Pattern.compile("(\\d+)(ms|s|m|h)?");

    private Durations() {}

    /**
     * Parses {@code <number>[ms|s|m|h]} (seconds when the unit is missing).
     *
     * @throws IllegalArgumentException with a sentence naming the bad value
     */
    public static Duration parse(String text) {
        Matcher matcher = FORMAT.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new IllegalArgumentException("'" + text
                    + "' is not a duration: use a whole number with ms, s, m or h, e.g. 500ms or 2s");
        }
        long amount;
        try {
            amount = Long.parseLong(matcher.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too long a duration");
        }
        String unit = matcher.group(2) == null ? "s" : matcher.group(2);
        try {
            Duration duration = switch (unit) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
            // The host's clocks count nanoseconds in a long (292 years): a limit beyond cannot be timed.
            duration.toNanos();
            return duration;
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too long a duration");
        }
    }

    /** Prints a duration in the largest unit that keeps it whole: {@code 500ms}, {@code 2s}. */
    public static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 3_600_000 == 0 && millis != 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0 && millis != 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }
}
