//! System calls about the one task, served in the guest: futex (one thread, so nobody is ever
//! waiting and a wait can only time out), resource usage (sysinfo, getrusage, times), CPU
//! affinity, the identity calls beyond getuid, and sigaltstack bookkeeping.

use crate::cell::KernelCell;
use crate::errno::{EAGAIN, EFAULT, EINVAL, ENOMEM, ENOSYS, EPERM, ESRCH, ETIMEDOUT};
use crate::exec::{CLOCK_TICKS, GROUP_ID, USER_ID};
use crate::kernel::{self, with_memory};
use crate::process::PID;
use crate::time::{Timespec, CLOCK_MONOTONIC, CLOCK_REALTIME, NANOS_PER_SECOND};
use crate::user;

type Args = [u64; 6];

fn result(r: Result<u64, i64>) -> i64 {
    match r {
        Ok(value) => value as i64,
        Err(errno) => -errno,
    }
}

const FUTEX_WAIT: u64 = 0;
const FUTEX_WAKE: u64 = 1;
const FUTEX_REQUEUE: u64 = 3;
const FUTEX_CMP_REQUEUE: u64 = 4;
const FUTEX_WAIT_BITSET: u64 = 9;
const FUTEX_WAKE_BITSET: u64 = 10;
const FUTEX_PRIVATE_FLAG: u64 = 128;
const FUTEX_CLOCK_REALTIME: u64 = 256;

/// How long a wait that nobody can end sleeps per host call; the run's time limit ends it.
const FOREVER_SLICE_NS: u64 = 3600 * NANOS_PER_SECOND;

fn now(clock: u64) -> u64 {
    kernel::clock().read(clock, crate::arch::rdtsc()).unwrap_or(0)
}

/// futex(2) for a single thread: a wait returns EAGAIN if the word changed, else sleeps out
/// its timeout (ETIMEDOUT) or, without one, until the run is stopped; wakes find no waiter.
pub fn sys_futex(a: &Args) -> i64 {
    let (uaddr, op, val, timeout, val3) = (a[0], a[1], a[2] as u32, a[3], a[5] as u32);
    let command = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    if uaddr % 4 != 0 {
        return -EINVAL;
    }
    let run = || -> Result<u64, i64> {
        match command {
            FUTEX_WAIT | FUTEX_WAIT_BITSET => {
                if command == FUTEX_WAIT_BITSET && val3 == 0 {
                    return Err(EINVAL);
                }
                if user::read::<u32>(uaddr)? != val {
                    return Err(EAGAIN);
                }
                if timeout == 0 {
                    loop {
                        let slept = crate::fs::sleep_ns(FOREVER_SLICE_NS, 0);
                        if slept < 0 {
                            return Err(-slept);
                        }
                    }
                }
                let limit = user::read::<Timespec>(timeout)?.to_ns()?;
                // FUTEX_WAIT takes a relative timeout, FUTEX_WAIT_BITSET an absolute one.
                let ns = if command == FUTEX_WAIT {
                    limit
                } else {
                    let clock = if op & FUTEX_CLOCK_REALTIME != 0 { CLOCK_REALTIME } else { CLOCK_MONOTONIC };
                    limit.saturating_sub(now(clock))
                };
                if ns > 0 {
                    let slept = crate::fs::sleep_ns(ns, 0);
                    if slept < 0 {
                        return Err(-slept);
                    }
                }
                Err(ETIMEDOUT)
            }
            FUTEX_WAKE | FUTEX_WAKE_BITSET | FUTEX_REQUEUE => Ok(0),
            FUTEX_CMP_REQUEUE => {
                if user::read::<u32>(uaddr)? != val3 {
                    return Err(EAGAIN);
                }
                Ok(0)
            }
            _ => Err(ENOSYS),
        }
    };
    result(run())
}

/// sysinfo(2): guest RAM and what the frame allocator has left; one process, no swap.
pub fn sys_sysinfo(a: &Args) -> i64 {
    let total = kernel::boot_info().memory_size;
    let free = with_memory(|mem, _| mem.frames.available()) * crate::abi::PAGE_SIZE;
    let mut info = [0u64; 14];
    info[0] = now(CLOCK_MONOTONIC) / NANOS_PER_SECOND;
    info[4] = total;
    info[5] = free;
    info[10] = 1; // procs (u16 at byte 80)
    info[13] = 1; // mem_unit (u32 at byte 104)
    result(user::write(a[0], &info).map(|_| 0))
}

/// CPU time of the task: the guest has one vCPU running only this program, so the time since
/// boot is its user time (the kernel's share is not told apart).
fn cpu_ns() -> u64 {
    now(CLOCK_MONOTONIC)
}

/// getrusage(2): user time, maximum resident size (frames in use), nothing for children.
pub fn sys_getrusage(a: &Args) -> i64 {
    const RUSAGE_CHILDREN: u64 = (-1i64) as u64;
    const RUSAGE_SELF: u64 = 0;
    const RUSAGE_THREAD: u64 = 1;
    let mut usage = [0u64; 18];
    match a[0] {
        RUSAGE_SELF | RUSAGE_THREAD => {
            let ns = cpu_ns();
            usage[0] = ns / NANOS_PER_SECOND;
            usage[1] = (ns % NANOS_PER_SECOND) / 1000;
            let used_pages = with_memory(|mem, _| mem.frames.used());
            usage[4] = used_pages * (crate::abi::PAGE_SIZE / 1024);
        }
        RUSAGE_CHILDREN => {}
        _ => return -EINVAL,
    }
    result(user::write(a[1], &usage).map(|_| 0))
}

/// times(2): clock ticks since boot, all of it user time of this process.
pub fn sys_times(a: &Args) -> i64 {
    let ticks = now(CLOCK_MONOTONIC) / (NANOS_PER_SECOND / CLOCK_TICKS);
    if a[0] != 0 && user::write(a[0], &[ticks, 0u64, 0, 0]).is_err() {
        return -EFAULT;
    }
    ticks as i64
}

fn check_pid(pid: u64) -> Result<(), i64> {
    if pid == 0 || pid == PID {
        Ok(())
    } else {
        Err(ESRCH)
    }
}

/// sched_getaffinity(2): one CPU. Returns the bytes written, as the kernel does.
pub fn sys_sched_getaffinity(a: &Args) -> i64 {
    let (pid, len, mask) = (a[0], a[1], a[2]);
    let run = || -> Result<u64, i64> {
        check_pid(pid)?;
        if len < 8 || len % 8 != 0 {
            return Err(EINVAL);
        }
        user::write(mask, &1u64)?;
        Ok(8)
    };
    result(run())
}

/// sched_setaffinity(2): any mask that includes CPU 0 is accepted.
pub fn sys_sched_setaffinity(a: &Args) -> i64 {
    let (pid, len, mask) = (a[0], a[1], a[2]);
    let run = || -> Result<u64, i64> {
        check_pid(pid)?;
        if len < 8 {
            return Err(EINVAL);
        }
        if user::read::<u64>(mask)? & 1 == 0 {
            return Err(EINVAL);
        }
        Ok(0)
    };
    result(run())
}

pub fn sys_getresuid(a: &Args) -> i64 {
    let ids = [a[0], a[1], a[2]];
    result(ids.iter().try_for_each(|&at| user::write(at, &(USER_ID as u32))).map(|_| 0))
}

pub fn sys_getresgid(a: &Args) -> i64 {
    let ids = [a[0], a[1], a[2]];
    result(ids.iter().try_for_each(|&at| user::write(at, &(GROUP_ID as u32))).map(|_| 0))
}

/// getgroups(2): no supplementary groups.
pub fn sys_getgroups(_: &Args) -> i64 {
    0
}

/// getpgid(2), getsid(2): the program leads its own group and session.
pub fn sys_getpgid(a: &Args) -> i64 {
    result(check_pid(a[0]).map(|_| PID))
}

pub fn sys_getpgrp(_: &Args) -> i64 {
    PID as i64
}

/// setuid(2) and friends: only to the identity the program already has.
pub fn sys_set_own_id(a: &Args) -> i64 {
    if a[0] == USER_ID || a[0] == GROUP_ID || a[0] == u32::MAX as u64 {
        0
    } else {
        -EPERM
    }
}

/// A `stack_t`: base, flags, size.
#[repr(C)]
#[derive(Clone, Copy)]
struct SignalStack {
    base: u64,
    flags: u32,
    pad: u32,
    size: u64,
}

const SS_DISABLE: u32 = 2;
const MINSIGSTKSZ: u64 = 2048;

static ALT_STACK: KernelCell<SignalStack> = KernelCell::new(SignalStack { base: 0, flags: SS_DISABLE, pad: 0, size: 0 });

/// sigaltstack(2): remembered and reported (no signal is ever delivered on it).
pub fn sys_sigaltstack(a: &Args) -> i64 {
    let (new, old) = (a[0], a[1]);
    let run = || -> Result<u64, i64> {
        let requested = if new != 0 { Some(user::read::<SignalStack>(new)?) } else { None };
        if let Some(stack) = requested {
            const SS_AUTODISARM: u32 = 1 << 31;
            if stack.flags & !(SS_DISABLE | SS_AUTODISARM) != 0 {
                return Err(EINVAL);
            }
            if stack.flags & SS_DISABLE == 0 && stack.size < MINSIGSTKSZ {
                return Err(ENOMEM);
            }
        }
        // SAFETY: one vCPU, interrupts off; nothing else touches the cell.
        let current = unsafe { ALT_STACK.get() };
        if old != 0 {
            user::write(old, current)?;
        }
        if let Some(stack) = requested {
            *current = if stack.flags & SS_DISABLE != 0 { SignalStack { base: 0, flags: SS_DISABLE, pad: 0, size: 0 } } else { stack };
        }
        Ok(0)
    };
    result(run())
}
