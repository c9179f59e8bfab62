package dev.hyperlight.nanvix.abi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/** The x86-64 {@code struct timespec}: {@code i64 tv_sec, i64 tv_nsec}. */
public record Timespec(long seconds, long nanos) {

    public static final int SIZE = 16;
    /** utimensat's {@code tv_nsec} for "set this time to now". */
    public static final long UTIME_NOW = (1L << 30) - 1;
    /** utimensat's {@code tv_nsec} for "leave this time as it is". */
    public static final long UTIME_OMIT = (1L << 30) - 2;

    public static Timespec decode(MemorySegment in) {
        return new Timespec(in.get(ValueLayout.JAVA_LONG_UNALIGNED, 0), in.get(ValueLayout.JAVA_LONG_UNALIGNED, 8));
    }

    public static Timespec of(Duration duration) {
        return new Timespec(duration.getSeconds(), duration.getNano());
    }

    /** Whether this is a valid interval: non-negative seconds and nanoseconds below one second. */
    public boolean isValidInterval() {
        return seconds >= 0 && nanos >= 0 && nanos < 1_000_000_000L;
    }

    /** The interval; only meaningful when {@link #isValidInterval()}. */
    public Duration toDuration() {
        return Duration.ofSeconds(seconds, nanos);
    }

    public void encode(MemorySegment out) {
        out.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, seconds);
        out.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, nanos);
    }
}
