//! Clocks from the TSC, calibrated by the host (boot info `realtime_ns` and `tsc_khz`): the
//! conversion, and the kernel's one clock, set at boot. That clock lives in the vvar page,
//! which every program also sees read-only next to its vDSO (proc/vdso.rs), so the vDSO and
//! the system calls read the same calibration and setting the clock changes both.

use crate::abi::errno::EINVAL;
use crate::abi::linux::{
    CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW, CLOCK_PROCESS_CPUTIME_ID, CLOCK_REALTIME,
    CLOCK_REALTIME_COARSE, CLOCK_TAI, CLOCK_THREAD_CPUTIME_ID, NANOS_PER_SECOND,
};
#[cfg(not(test))]
use crate::arch::{cell::KernelCell, cpu};

/// Resolution reported for the coarse clocks (one 250 Hz tick, as a common Linux build).
const COARSE_RESOLUTION_NS: u64 = 4_000_000;

/// Fraction bits of `Clock::ns_per_cycle`.
const SCALE_SHIFT: u32 = 52;

/// Converts TSC readings to times. Its layout is the vDSO's `struct clock` (vdso/vdso.c).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    tsc_at_boot: u64,
    realtime_at_boot_ns: u64,
    /// Nanoseconds per TSC cycle as a fixed-point number (`SCALE_SHIFT` fraction bits): a
    /// reading is one multiplication instead of a 128-bit division, which costs hundreds of
    /// emulated instructions under PVM on every clock read.
    ns_per_cycle: u64,
}

impl Clock {
    /// Exact to a part in 10^15 for a 1-3 GHz TSC; below 250 kHz (no real TSC) the scale
    /// saturates.
    pub const fn new(tsc_at_boot: u64, realtime_at_boot_ns: u64, tsc_khz: u64) -> Self {
        let khz = if tsc_khz == 0 { 1 } else { tsc_khz } as u128;
        // Rounded to nearest: for a 1-3 GHz TSC the error stays below 1 us in 10 years.
        let scale = ((1_000_000u128 << SCALE_SHIFT) + khz / 2) / khz;
        let ns_per_cycle = if scale > u64::MAX as u128 { u64::MAX } else { scale as u64 };
        Clock { tsc_at_boot, realtime_at_boot_ns, ns_per_cycle }
    }

    /// This clock's calibration, started anew at TSC value `tsc` and real time `realtime_ns`: a
    /// warm start's clone, whose TSC moved on since its template booted, starts its clocks where
    /// the run starts (monotonic time and CPU time count from there).
    pub const fn restarted(&self, tsc: u64, realtime_ns: u64) -> Self {
        Clock { tsc_at_boot: tsc, realtime_at_boot_ns: realtime_ns, ns_per_cycle: self.ns_per_cycle }
    }

    /// Nanoseconds since boot at TSC value `tsc`: the cycles since `tsc_at_boot` modulo 2^64, 0
    /// when that is negative as an `i64` (a TSC behind boot). Modular so that the host may move a
    /// warm start clone's `tsc_at_boot` below 0 when the clone's TSC is behind the snapshot's
    /// (docs/guest-abi.md, "Clocks in clones").
    pub fn since_boot_ns(&self, tsc: u64) -> u64 {
        let cycles = tsc.wrapping_sub(self.tsc_at_boot);
        let cycles = if (cycles as i64) < 0 { 0 } else { cycles as u128 };
        // u64 x u64 -> u128 is one MUL instruction; the shift takes the integer part.
        ((cycles * self.ns_per_cycle as u128) >> SCALE_SHIFT).min(u64::MAX as u128) as u64
    }

    /// The time of `clock` in ns at TSC value `tsc`, or EINVAL for an unknown clock.
    pub fn read(&self, clock: u64, tsc: u64) -> Result<u64, i64> {
        let since_boot = self.since_boot_ns(tsc);
        match clock {
            CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_TAI => Ok(self.realtime_at_boot_ns.saturating_add(since_boot)),
            CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => {
                // Start monotonic time at one second, so that zero never looks like "unset".
                Ok(since_boot + NANOS_PER_SECOND)
            }
            CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => Ok(since_boot),
            _ => Err(EINVAL),
        }
    }

    /// clock_getres(2) in ns.
    pub fn resolution(&self, clock: u64) -> Result<u64, i64> {
        self.read(clock, self.tsc_at_boot)?;
        Ok(if clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE { COARSE_RESOLUTION_NS } else { 1 })
    }
}

/// The vvar page: the kernel's clock at its start, alone in a page of its own because the page
/// is mapped into every program (nothing else of the kernel's may show through it).
#[repr(C, align(4096))]
pub struct Vvar {
    pub clock: Clock,
}

#[cfg(not(test))]
static VVAR: KernelCell<Vvar> = KernelCell::new(Vvar { clock: Clock::new(0, 0, 1) });

/// Starts the kernel's clock.
///
/// # Safety
/// At boot, before the program runs: once, or again at a warm start's start point, where
/// nothing holds a reading of it.
#[cfg(not(test))]
pub unsafe fn init(clock: Clock) {
    // SAFETY: the caller's obligation: nothing reads the clock yet.
    unsafe { VVAR.get().clock = clock };
}

/// The kernel's clock.
#[cfg(not(test))]
pub fn get() -> Clock {
    // SAFETY: written once during boot, read-only afterwards.
    unsafe { (*VVAR.as_ptr()).clock }
}

/// The guest-physical address of the vvar page.
#[cfg(not(test))]
pub fn vvar_gpa() -> u64 {
    crate::abi::host::gpa(VVAR.as_ptr() as u64)
}

/// The time of `clock` now, or EINVAL for an unknown clock.
#[cfg(not(test))]
pub fn read(clock: u64) -> Result<u64, i64> {
    get().read(clock, cpu::rdtsc())
}

/// Nanoseconds since boot now.
#[cfg(not(test))]
pub fn since_boot_ns() -> u64 {
    get().since_boot_ns(cpu::rdtsc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_cycles_with_the_host_frequency() {
        let clock = Clock::new(1_000, 1_700_000_000 * NANOS_PER_SECOND, 2_000_000);
        assert_eq!(clock.since_boot_ns(1_000 + 2_000_000_000), NANOS_PER_SECOND);
        assert_eq!(clock.read(CLOCK_REALTIME, 1_000 + 3_000), Ok(1_700_000_000 * NANOS_PER_SECOND + 1_500));
        assert_eq!(clock.read(CLOCK_MONOTONIC, 1_000), Ok(NANOS_PER_SECOND));
        assert_eq!(clock.read(99, 1_000), Err(EINVAL));
        assert_eq!(clock.since_boot_ns(0), 0, "a TSC behind boot reads as boot");
    }

    #[test]
    fn a_boot_tsc_moved_below_zero_counts_modulo_two_to_the_64() {
        // A clone's host moved tsc_at_boot 3,000 cycles before TSC 0 (its TSC lags the snapshot's).
        let clock = Clock::new(0u64.wrapping_sub(3_000), 0, 1_000_000);
        assert_eq!(clock.since_boot_ns(1_000), 4_000, "1 GHz: a cycle is a nanosecond");
        assert_eq!(clock.since_boot_ns(u64::MAX - 4_000), 0, "still behind boot");
    }

    #[test]
    fn a_restarted_clock_keeps_its_calibration() {
        let clock = Clock::new(1_000, 5 * NANOS_PER_SECOND, 2_000_000);
        let restarted = clock.restarted(9_000_000_000, 1_700_000_000 * NANOS_PER_SECOND);
        assert_eq!(restarted.read(CLOCK_REALTIME, 9_000_000_000 + 2_000), Ok(1_700_000_000 * NANOS_PER_SECOND + 1_000));
        assert_eq!(restarted.read(CLOCK_MONOTONIC, 9_000_000_000), Ok(NANOS_PER_SECOND), "counts from the restart");
        assert_eq!(restarted.ns_per_cycle, clock.ns_per_cycle);
    }

    #[test]
    fn does_not_overflow_after_long_runs() {
        let clock = Clock::new(0, 0, 3_000_000);
        let ten_years_of_cycles = 3_000_000_000u64 * 3600 * 24 * 365 * 10;
        let ten_years_ns = 10 * 365 * 24 * 3600 * NANOS_PER_SECOND;
        assert!(clock.since_boot_ns(ten_years_of_cycles).abs_diff(ten_years_ns) < 1_000, "fixed point drifts < 1 us");
        // The farthest a reading counts forward: 2^63 - 1 cycles, 97 years at 3 GHz.
        let farthest = clock.since_boot_ns(i64::MAX as u64);
        let expected = i64::MAX as u64 / 3;
        assert!(farthest.abs_diff(expected) < expected / 1_000_000_000, "no overflow that far");
        assert_eq!(clock.since_boot_ns(u64::MAX), 0, "2^64 - 1 cycles on is one behind");
    }

    #[test]
    fn the_vvar_page_holds_the_clock_alone() {
        assert_eq!(core::mem::size_of::<Vvar>(), 4096);
        assert_eq!(core::mem::align_of::<Vvar>(), 4096);
        assert_eq!(core::mem::offset_of!(Clock, tsc_at_boot), 0, "vdso.c reads this layout");
        assert_eq!(core::mem::offset_of!(Clock, realtime_at_boot_ns), 8);
        assert_eq!(core::mem::offset_of!(Clock, ns_per_cycle), 16);
    }

    #[test]
    fn coarse_clocks_report_a_tick() {
        let clock = Clock::new(0, 0, 1_000_000);
        assert_eq!(clock.resolution(CLOCK_MONOTONIC), Ok(1));
        assert_eq!(clock.resolution(CLOCK_REALTIME_COARSE), Ok(COARSE_RESOLUTION_NS));
        assert_eq!(clock.resolution(42), Err(EINVAL));
    }
}
