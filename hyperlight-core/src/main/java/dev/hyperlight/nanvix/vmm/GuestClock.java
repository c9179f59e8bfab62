package dev.hyperlight.nanvix.vmm;

import dev.hyperlight.nanvix.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The guest kernel's clock calibration, at the start of its vvar page (guest-kernel/src/host/clock.rs
 * {@code Clock}, which every program's vDSO reads too): {@code u64 tsc_at_boot}, {@code u64
 * realtime_at_boot_ns}, {@code u64 ns_per_cycle} (fixed point, {@value #SCALE_SHIFT} fraction
 * bits). The guest's clocks read {@code since_boot = (tsc - tsc_at_boot) * ns_per_cycle}, the
 * difference taken modulo 2^64 and 0 when it is negative as a signed number (a TSC behind boot),
 * CLOCK_REALTIME {@code realtime_at_boot_ns + since_boot}, CLOCK_MONOTONIC {@code since_boot}
 * plus one second.
 *
 * <p>A warm start's clone should read the snapshot's clocks moved on by the time since the snapshot.
 * Where its TSC is not where that needs it ({@link dev.hyperlight.nanvix.hypervisor.ClonedVm#tscLag()},
 * under PVM), {@link #moveOn} moves the calibration instead, in the clone's own copy of the page,
 * while its vCPU is stopped (nothing reads the page meanwhile).
 */
final class GuestClock {

    /** Bytes of the calibration. */
    static final int SIZE = 24;
    static final int SCALE_SHIFT = 52;
    private static final long TSC_AT_BOOT = 0;

    private GuestClock() {}

    /**
     * Moves the calibration at {@code address} so that at every TSC value the clocks read what they
     * would read {@code tscLag} cycles later: a clone whose TSC is that far behind reads the time it
     * should. {@code tsc_at_boot} alone moves, modulo 2^64 (below 0 where the TSC is behind by more
     * than it: PVM after the host rebooted, or a host up for less than the lag), so CLOCK_MONOTONIC
     * counts on from the snapshot's and CLOCK_REALTIME follows.
     *
     * @throws dev.hyperlight.nanvix.memory.BadGuestAddressException when the calibration is not in guest RAM
     */
    static void moveOn(GuestMemory memory, long address, long tscLag) {
        if (tscLag == 0) {
            return;
        }
        MemorySegment clock = memory.range(address, SIZE);
        long tscAtBoot = clock.get(ValueLayout.JAVA_LONG_UNALIGNED, TSC_AT_BOOT);
        clock.set(ValueLayout.JAVA_LONG_UNALIGNED, TSC_AT_BOOT, tscAtBoot - tscLag);
    }
}
