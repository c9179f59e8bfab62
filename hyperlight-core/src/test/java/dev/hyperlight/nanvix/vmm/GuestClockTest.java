package dev.hyperlight.nanvix.vmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.memory.BadGuestAddressException;
import dev.hyperlight.nanvix.memory.GuestMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * The host's side of the guest clock (guest-kernel/src/host/clock.rs): reads computed here the way
 * the guest computes them, before and after {@link GuestClock#moveOn}.
 */
class GuestClockTest {

    private static final long KHZ = 2_600_000;
    private static final long SECOND = KHZ * 1000;
    private static final long NS = 1_000_000_000L;
    private static final long PAGE = 0x3000;
    /** The guest's ns_per_cycle for KHZ: round(10^6 * 2^52 / KHZ). */
    private static final long NS_PER_CYCLE = BigInteger.valueOf(1_000_000).shiftLeft(GuestClock.SCALE_SHIFT)
            .add(BigInteger.valueOf(KHZ / 2)).divide(BigInteger.valueOf(KHZ)).longValueExact();

    private final MemorySegment ram = Arena.ofAuto().allocate(0x10000);
    private final GuestMemory memory = GuestMemory.of(ram);

    private void calibrate(long tscAtBoot, long realtimeAtBoot) {
        ram.set(ValueLayout.JAVA_LONG_UNALIGNED, PAGE, tscAtBoot);
        ram.set(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + 8, realtimeAtBoot);
        ram.set(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + 16, NS_PER_CYCLE);
    }

    /** The guest's since_boot at TSC {@code tsc} (clock.rs): cycles modulo 2^64, 0 behind boot. */
    private long sinceBoot(long tsc) {
        long cycles = tsc - ram.get(ValueLayout.JAVA_LONG_UNALIGNED, PAGE);
        return cycles < 0 ? 0 : nanos(cycles, NS_PER_CYCLE);
    }

    /** {@code cycles * nsPerCycle >> 52}, unsigned, as the guest computes it; saturating. */
    private static long nanos(long cycles, long nsPerCycle) {
        long high = Math.unsignedMultiplyHigh(cycles, nsPerCycle);
        if (high >>> GuestClock.SCALE_SHIFT != 0) {
            return -1L;
        }
        return high << (64 - GuestClock.SCALE_SHIFT) | (cycles * nsPerCycle) >>> GuestClock.SCALE_SHIFT;
    }

    private long realtime(long tsc) {
        return ram.get(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + 8) + sinceBoot(tsc);
    }

    /**
     * PVM: the template booted at host TSC 10,000 s and was captured at 10,005 s; a clone made an
     * hour later whose TSC reads 10,005 s (the host's, not moved on) lags an hour: it reads the time
     * an hour after the capture, and its monotonic clock counts on from the capture's.
     */
    @Test
    void aCloneWhoseTscLagsReadsTheTimeAndMonotonicCountsOn() {
        long realtimeAtBoot = 1_700_000_000L * NS;
        calibrate(10_000 * SECOND, realtimeAtBoot);
        long capture = 10_005 * SECOND;
        long atCapture = sinceBoot(capture);

        GuestClock.moveOn(memory, PAGE, 3_600 * SECOND);

        assertThat(realtime(capture) - realtimeAtBoot - atCapture).isBetween(3_600 * NS - 10, 3_600 * NS + 10);
        assertThat(sinceBoot(capture) - atCapture).isBetween(3_600 * NS - 10, 3_600 * NS + 10);
        assertThat(ram.get(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + 8)).as("real time at boot kept").isEqualTo(realtimeAtBoot);
        assertThat(ram.get(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + 16)).as("scale kept").isEqualTo(NS_PER_CYCLE);
    }

    @Test
    void aCloneWhoseTscIsAheadReadsNoLaterThanItShould() {
        calibrate(100 * SECOND, 0);
        long at = sinceBoot(200 * SECOND);
        GuestClock.moveOn(memory, PAGE, -50 * SECOND);
        assertThat(at - sinceBoot(200 * SECOND)).isBetween(50 * NS - 10, 50 * NS + 10);
    }

    /**
     * PVM after the host rebooted, or on a host up for less than the lag: the template booted at
     * host TSC 1,000 s a day ago, and the host's TSC reads 60 s now. The boot TSC moves below 0
     * (modulo 2^64, as the guest counts): both the real time and the monotonic time read a day on.
     */
    @Test
    void aLagBeyondTheBootTscMovesItBelowZero() {
        calibrate(1_000 * SECOND, 1_700_000_000L * NS);
        long capture = 1_010 * SECOND;
        long realtimeThen = realtime(capture);
        long monotonicThen = sinceBoot(capture);
        long tscNow = 60 * SECOND;

        GuestClock.moveOn(memory, PAGE, capture + 86_400 * SECOND - tscNow);

        assertThat(ram.get(ValueLayout.JAVA_LONG_UNALIGNED, PAGE)).as("below 0").isNegative();
        assertThat(realtime(tscNow) - realtimeThen).isBetween(86_400 * NS - 1_000, 86_400 * NS + 1_000);
        assertThat(sinceBoot(tscNow) - monotonicThen).isBetween(86_400 * NS - 1_000, 86_400 * NS + 1_000);
    }

    @Test
    void noLagChangesNothingAndAClockOutsideRamIsRefused() {
        calibrate(100 * SECOND, 5);
        GuestClock.moveOn(memory, PAGE, 0);
        assertThat(ram.get(ValueLayout.JAVA_LONG_UNALIGNED, PAGE)).isEqualTo(100 * SECOND);
        assertThatThrownBy(() -> GuestClock.moveOn(memory, ram.byteSize() - 8, 1))
                .isInstanceOf(BadGuestAddressException.class);
    }
}
