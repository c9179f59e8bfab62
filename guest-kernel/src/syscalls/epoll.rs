//! epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2.
//!
//! The host holds every fd, so it holds the epoll instances too: their interest lists, and the
//! readiness of each watched file, which it judges as it does for poll. The kernel forwards the
//! calls with the program's own addresses and decides only how long the host may wait: as long
//! as the caller asked while no other thread can run before then (every other thread waits on a
//! futex or sleeps: only a timeout could wake one, and the host's wait ends at the earliest);
//! else the host is only asked, and when nothing is ready the caller gives the other threads a
//! slice and its wait ends early with EINTR, which epoll users take as a signal's interruption
//! and call again with what is left of their timeout (libuv does). A due alarm ends the wait
//! with EINTR, as poll's does, and so does a child's end while SIGCHLD has a handler: the host
//! is asked about children every `children::CHECK_EVERY_NS` of a wait (proc/children.rs).

use crate::abi::errno::EINTR;

/// Bytes of `struct epoll_event` (packed on x86-64: `u32 events; u64 data`).
pub const EVENT_SIZE: u64 = 12;
/// Most events one wait may ask for: Linux's EP_MAX_EVENTS.
pub const MAX_EVENTS: i64 = i32::MAX as i64 / EVENT_SIZE as i64;
/// How long a caller lets the other threads run before it asks the host again.
pub const SHARED_SLICE_NS: u64 = 1_000_000;

/// The earlier of the caller's deadline and the other threads' earliest one.
pub fn earliest(deadline: Option<u64>, others: Option<u64>) -> Option<u64> {
    match (deadline, others) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// When nothing is ready and other threads can run: how long the caller waits in the scheduler
/// from `now`, and what its call then returns (0 at its own deadline, else EINTR: ask again).
pub fn shared_wait(now: u64, deadline: Option<u64>) -> (u64, i64) {
    let slice_end = now.saturating_add(SHARED_SLICE_NS);
    match deadline {
        Some(deadline) if deadline <= slice_end => (deadline, 0),
        _ => (slice_end, -EINTR),
    }
}

#[cfg(not(test))]
pub use handlers::{sys_epoll_create, sys_epoll_create1, sys_epoll_ctl, sys_epoll_pwait2, sys_epoll_wait};

#[cfg(not(test))]
mod handlers {
    use super::*;
    use crate::abi::errno::EINVAL;
    use crate::host::{forwarded, hypercall};
    use crate::mm::user;
    use crate::proc::sched::Block;
    use crate::proc::{children, signal, task};
    use crate::syscalls::poll::{host_wait, Wait};
    use crate::syscalls::Args;
    use crate::abi::linux::Timespec;

    /// epoll_create(2): the size is only checked, as Linux does.
    pub fn sys_epoll_create(a: &Args) -> i64 {
        if a[0] as i32 <= 0 {
            return -EINVAL;
        }
        hypercall::call(forwarded::EPOLL_CREATE1, [0; 6])
    }

    pub fn sys_epoll_create1(a: &Args) -> i64 {
        hypercall::call(forwarded::EPOLL_CREATE1, [a[0], 0, 0, 0, 0, 0])
    }

    pub fn sys_epoll_ctl(a: &Args) -> i64 {
        hypercall::call_user(forwarded::EPOLL_CTL, [a[0], a[1], a[2], a[3], 0, 0])
    }

    /// epoll_wait(2), and epoll_pwait(2), whose signal mask (a[4]) is not applied during the
    /// wait, as for ppoll.
    pub fn sys_epoll_wait(a: &Args) -> i64 {
        wait(a, Wait::from_millis(a[3] as i32))
    }

    /// epoll_pwait2(2): the timeout is a `struct timespec` (null: forever).
    pub fn sys_epoll_pwait2(a: &Args) -> i64 {
        if a[3] == 0 {
            return wait(a, Wait::Forever);
        }
        match user::read::<Timespec>(a[3]).and_then(Wait::from_timespec) {
            Ok(timeout) => wait(a, timeout),
            Err(errno) => -errno,
        }
    }

    /// The host's epoll_wait of `a[0]` into the program's array `a[1]`, waiting up to `ms`
    /// (-1: until ready).
    fn ask(a: &Args, ms: u64) -> i64 {
        hypercall::call_user(forwarded::EPOLL_WAIT, [a[0], a[1], a[2], ms, 0, 0])
    }

    /// The host's wait argument: milliseconds (rounded up), -1 for ever.
    fn millis(wait: Wait) -> u64 {
        match wait {
            Wait::Forever => -1i64 as u64,
            Wait::For(ns) => ns.div_ceil(1_000_000).min(i32::MAX as u64),
        }
    }

    fn wait(a: &Args, timeout: Wait) -> i64 {
        let max_events = a[2] as i32 as i64;
        if max_events <= 0 || max_events > MAX_EVENTS {
            return -EINVAL;
        }
        let deadline = match timeout {
            Wait::For(ns) => Some(task::monotonic_now().saturating_add(ns)),
            Wait::Forever => None,
        };
        loop {
            let now = task::monotonic_now();
            let Some(others) = task::with_scheduler(|s| s.others_idle_until(now)) else {
                let ready = ask(a, 0);
                if ready != 0 || timeout == Wait::For(0) {
                    return ready;
                }
                if children::watching() && children::post_exits() {
                    return -EINTR;
                }
                let (until, result) = shared_wait(now, deadline);
                task::block(Block { futex: None, deadline: Some(until), on_timeout: result, fd: None });
                return result;
            };
            let watching_children = children::watching();
            let check = watching_children.then(|| now.saturating_add(children::CHECK_EVERY_NS));
            let piece = host_wait(now, earliest(earliest(deadline, others), check), signal::alarm_deadline());
            let ready = ask(a, millis(piece));
            if ready != 0 {
                return ready;
            }
            if signal::alarm_interrupts_caller() || (watching_children && children::post_exits()) {
                return -EINTR;
            }
            if deadline.is_some_and(|deadline| task::monotonic_now() >= deadline) {
                return 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_waits_until_the_callers_or_another_threads_deadline() {
        assert_eq!(earliest(None, None), None);
        assert_eq!(earliest(Some(5), None), Some(5));
        assert_eq!(earliest(None, Some(7)), Some(7));
        assert_eq!(earliest(Some(9), Some(7)), Some(7));
    }

    #[test]
    fn with_other_threads_to_run_the_caller_waits_a_slice_then_asks_again() {
        assert_eq!(shared_wait(100, None), (100 + SHARED_SLICE_NS, -EINTR));
        assert_eq!(shared_wait(100, Some(100 + 3 * SHARED_SLICE_NS)), (100 + SHARED_SLICE_NS, -EINTR));
        assert_eq!(shared_wait(100, Some(150)), (150, 0), "its own deadline first: a plain timeout");
        assert_eq!(shared_wait(100, Some(100 + SHARED_SLICE_NS)), (100 + SHARED_SLICE_NS, 0));
    }
}
