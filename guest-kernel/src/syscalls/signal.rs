//! Signals: rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigsuspend, rt_sigtimedwait, pause,
//! rt_sigreturn, kill, tkill, tgkill and sigaltstack. Sending, waiting and delivery are in
//! proc/signal.rs; a signal for another process goes to the host.

use crate::abi::errno::{EFAULT, EINTR, EINVAL, ESRCH};
use crate::host::forwarded;
use crate::host::hypercall;
use crate::mm::user;
use crate::proc::process::{change_mask, with_process, SigAction};
use crate::proc::sigframe::UNBLOCKABLE;
use crate::proc::{signal, spawn, task};
use crate::syscalls::dispatch::caller_rsp;
use crate::syscalls::{result, Args};

pub fn sys_rt_sigaction(a: &Args) -> i64 {
    let (signal, act, oldact, sigset_size) = (a[0], a[1], a[2], a[3]);
    if sigset_size != 8 {
        return -EINVAL;
    }
    let run = || -> Result<u64, i64> {
        let new = if act != 0 { Some(user::read::<SigAction>(act)?) } else { None };
        let old = with_process(|p| p.sigaction(signal, new))?;
        if oldact != 0 {
            user::write(oldact, &old)?;
        }
        Ok(0)
    };
    result(run())
}

/// rt_sigprocmask(2) for the calling thread.
pub fn sys_rt_sigprocmask(a: &Args) -> i64 {
    let (how, set, oldset, sigset_size) = (a[0], a[1], a[2], a[3]);
    if sigset_size != 8 {
        return -EINVAL;
    }
    let run = || -> Result<u64, i64> {
        let new = if set != 0 { Some(user::read::<u64>(set)?) } else { None };
        let old = task::with_scheduler(|s| s.current().signal_mask);
        let mask = change_mask(old, how, new)?;
        if oldset != 0 {
            user::write(oldset, &old)?;
        }
        task::with_scheduler(|s| s.current().signal_mask = mask);
        Ok(0)
    };
    result(run())
}

/// rt_sigpending(2): what waits for the calling thread (its own and the process's).
pub fn sys_rt_sigpending(a: &Args) -> i64 {
    if a[1] > 8 {
        return -EINVAL;
    }
    let pending = signal::pending_blocked();
    result(user::copy_out(a[0], &pending as *const u64 as *const u8, a[1] as usize).map(|_| 0))
}

/// rt_sigsuspend(2): waits with `set` as the mask until a signal is delivered; EINTR.
pub fn sys_rt_sigsuspend(a: &Args) -> i64 {
    if a[1] != 8 {
        return -EINVAL;
    }
    let set = match user::read::<u64>(a[0]) {
        Ok(set) => set & !UNBLOCKABLE,
        Err(errno) => return -errno,
    };
    signal::suspend(set);
    -EINTR
}

/// rt_sigtimedwait(2).
pub fn sys_rt_sigtimedwait(a: &Args) -> i64 {
    result(signal::timed_wait(a[0], a[1], a[2], a[3]))
}

/// pause(2): waits until a signal is delivered; EINTR.
pub fn sys_pause(_: &Args) -> i64 {
    task::sleep_until(None);
    -EINTR
}

/// The table's entry for rt_sigreturn: never reached, since `dispatch` runs the call with the
/// frame and the lean path hands it over; a call that did get here would find no frame.
pub fn sys_rt_sigreturn(_: &Args) -> i64 {
    -EFAULT
}

/// kill(2): to this process here; to any other process (or a group) through the host: a child,
/// every process (-1) or the process group (0, which is every process of the run); the host
/// stops the process a signal kills. A signal sent to another process is not delivered to a
/// handler there: one it catches or ignores still ends it, unless its default action is to be
/// ignored.
pub fn sys_kill(a: &Args) -> i64 {
    let (pid, signal) = (a[0] as i32 as i64, a[1]);
    if pid <= 0 || pid as u64 != spawn::pid() {
        return hypercall::call(forwarded::KILL, [a[0], a[1], 0, 0, 0, 0]);
    }
    result(signal::kill_self(signal))
}

/// tkill(2): to one thread of this process.
pub fn sys_tkill(a: &Args) -> i64 {
    result(signal::thread_kill(a[0], a[1]))
}

/// tgkill(2): to one thread of this process (another process's threads are out of reach).
pub fn sys_tgkill(a: &Args) -> i64 {
    if a[0] as i32 <= 0 {
        return -EINVAL;
    }
    if a[0] != spawn::pid() {
        return -ESRCH;
    }
    result(signal::thread_kill(a[1], a[2]))
}

/// sigaltstack(2): the stack signal handlers with SA_ONSTACK run on.
pub fn sys_sigaltstack(a: &Args) -> i64 {
    result(signal::sigaltstack(a[0], a[1], caller_rsp()))
}
