//! Clocks, sleeps and the alarm: clock_gettime, clock_settime, clock_getres, gettimeofday,
//! time, nanosleep, clock_nanosleep (the thread waits in the scheduler, proc/task.rs), alarm,
//! setitimer and getitimer (ITIMER_REAL, proc/signal.rs).

use crate::abi::errno::{EFAULT, EINVAL, EPERM};
use crate::abi::linux::{Timespec, CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_TAI, NANOS_PER_SECOND};
use crate::host::clock;
use crate::mm::user;
use crate::proc::{signal, task};
use crate::syscalls::{result, Args};

const ITIMER_REAL: u64 = 0;
const MICROS_PER_SECOND: u64 = 1_000_000;

/// Any clock: the CPU-time ones come from the scheduler's accounting (proc/task.rs).
fn read_clock(clock_id: u64) -> Result<u64, i64> {
    if task::is_cpu_clock(clock_id) { task::cpu_clock_ns(clock_id) } else { clock::read(clock_id) }
}

pub fn sys_clock_gettime(a: &Args) -> i64 {
    result(read_clock(a[0]).and_then(|ns| user::write(a[1], &Timespec::from_ns(ns))).map(|_| 0))
}

/// clock_settime(2): the program may not set the time (EPERM, as for a process without
/// CAP_SYS_TIME); only CLOCK_REALTIME can be set at all (EINVAL for the others).
pub fn sys_clock_settime(a: &Args) -> i64 {
    let run = || -> Result<u64, i64> {
        user::read::<Timespec>(a[1])?.to_ns()?;
        if a[0] != CLOCK_REALTIME {
            return Err(EINVAL);
        }
        Err(EPERM)
    };
    result(run())
}

pub fn sys_clock_getres(a: &Args) -> i64 {
    let resolution = if task::is_cpu_clock(a[0]) { task::cpu_clock_ns(a[0]).map(|_| 1) } else { clock::get().resolution(a[0]) };
    result(resolution.and_then(|ns| if a[1] == 0 { Ok(()) } else { user::write(a[1], &Timespec::from_ns(ns)) }).map(|_| 0))
}

pub fn sys_gettimeofday(a: &Args) -> i64 {
    let ns = clock::read(CLOCK_REALTIME).unwrap_or(0);
    if a[0] != 0 {
        let tv = [ns / NANOS_PER_SECOND, (ns % NANOS_PER_SECOND) / 1000];
        if user::write(a[0], &tv).is_err() {
            return -EFAULT;
        }
    }
    if a[1] != 0 && user::write(a[1], &[0u32; 2]).is_err() {
        return -EFAULT;
    }
    0
}

pub fn sys_time(a: &Args) -> i64 {
    let seconds = clock::read(CLOCK_REALTIME).unwrap_or(0) / NANOS_PER_SECOND;
    if a[0] != 0 && user::write(a[0], &seconds).is_err() {
        return -EFAULT;
    }
    seconds as i64
}

/// nanosleep(2): the calling thread waits in the scheduler, so other threads run meanwhile
/// (proc/task.rs); no signal is ever delivered, so it never ends early and `rem` is not written.
pub fn sys_nanosleep(a: &Args) -> i64 {
    let request: Timespec = match user::read(a[0]) {
        Ok(t) => t,
        Err(errno) => return -errno,
    };
    match request.to_ns() {
        Ok(ns) => task::sleep_for(ns),
        Err(errno) => -errno,
    }
}

/// clock_nanosleep(2): as nanosleep; an absolute time is first turned into a monotonic
/// deadline.
pub fn sys_clock_nanosleep(a: &Args) -> i64 {
    const TIMER_ABSTIME: u64 = 1;
    let (clock_id, flags, req) = (a[0], a[1], a[2]);
    let now = match clock_id {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_TAI => clock::read(clock_id).unwrap_or(0),
        _ => return -EINVAL,
    };
    let request: Timespec = match user::read(req) {
        Ok(t) => t,
        Err(errno) => return -errno,
    };
    let ns = match request.to_ns() {
        Ok(ns) => ns,
        Err(errno) => return -errno,
    };
    if flags & TIMER_ABSTIME != 0 {
        return task::sleep_for(ns.saturating_sub(now));
    }
    task::sleep_for(ns)
}

/// alarm(2): returns the seconds that were left, rounded to nearest (at least 1 if armed).
pub fn sys_alarm(a: &Args) -> i64 {
    let seconds = a[0] as u32 as u64;
    let (left, _) = signal::set_alarm(seconds * NANOS_PER_SECOND, 0);
    if left == 0 { 0 } else { ((left + NANOS_PER_SECOND / 2) / NANOS_PER_SECOND).max(1) as i64 }
}

/// A `struct itimerval`: interval and value as timevals.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct ItimerVal {
    interval: [u64; 2],
    value: [u64; 2],
}

fn timeval_ns(tv: [u64; 2]) -> Result<u64, i64> {
    if tv[0] as i64 >= 0 && tv[1] < MICROS_PER_SECOND {
        Ok(tv[0].saturating_mul(NANOS_PER_SECOND).saturating_add(tv[1] * 1000))
    } else {
        Err(EINVAL)
    }
}

fn timeval_of(ns: u64) -> [u64; 2] {
    // Rounded up to whole microseconds so that an armed timer never reads as zero.
    let micros = ns.div_ceil(1000);
    [micros / MICROS_PER_SECOND, micros % MICROS_PER_SECOND]
}

/// setitimer(2): ITIMER_REAL only (the CPU-time timers are EINVAL).
pub fn sys_setitimer(a: &Args) -> i64 {
    let (which, new, old) = (a[0], a[1], a[2]);
    let run = || -> Result<u64, i64> {
        if which != ITIMER_REAL {
            return Err(EINVAL);
        }
        let request = if new != 0 { user::read::<ItimerVal>(new)? } else { ItimerVal::default() };
        let (value, interval) = (timeval_ns(request.value)?, timeval_ns(request.interval)?);
        let (left, old_interval) = signal::set_alarm(value, interval);
        if old != 0 {
            user::write(old, &ItimerVal { interval: timeval_of(old_interval), value: timeval_of(left) })?;
        }
        Ok(0)
    };
    result(run())
}

/// getitimer(2): ITIMER_REAL only.
pub fn sys_getitimer(a: &Args) -> i64 {
    let run = || -> Result<u64, i64> {
        if a[0] != ITIMER_REAL {
            return Err(EINVAL);
        }
        let (left, interval) = signal::alarm_left();
        user::write(a[1], &ItimerVal { interval: timeval_of(interval), value: timeval_of(left) })?;
        Ok(0)
    };
    result(run())
}
