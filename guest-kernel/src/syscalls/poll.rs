//! poll, ppoll, select and pselect6: waiting for fds and timeouts.
//!
//! The host holds every fd, so poll and ppoll ask it (a forwarded `poll` with the pollfd array
//! staged in the I/O buffer): pipes and socket pairs report data, room and a closed other end,
//! files, directories and the console are always ready, as Linux reports them. While the
//! program has one thread the host also does the waiting, so a pipe that becomes readable
//! ends the wait at once; with more threads the host is only asked, and when nothing is ready
//! the calling thread is parked until one of its fds is ready or its timeout passes
//! (`task::park_on_poll`) while the others run, and then makes its call again.
//! select and pselect6 ask the same of the host, their fd sets turned into a pollfd array (an
//! fd the host does not know is EBADF), so an eventfd or a pipe is ready exactly when poll says
//! it is; with several threads and nothing ready they wait out their timeout in the scheduler
//! (not parked yet: their array lives in the I/O buffer, and parking takes a user address);
//! with no fds the call waits out its timeout in the scheduler: that is how event loops such
//! as QuickJS's wait for their timers.

use crate::abi::errno::{EBADF, EINVAL};
use crate::abi::linux::{PollFd, Timespec, NANOS_PER_SECOND};

/// Most fds select accepts: the hard RLIMIT_NOFILE (proc/process.rs), in 64-bit words.
pub const MAX_SELECT_FDS: usize = 4096;
pub const SELECT_WORDS: usize = MAX_SELECT_FDS / 64;


/// How long a call may wait when nothing is ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    Forever,
    For(u64),
}

impl Wait {
    /// poll's timeout in ms: negative waits forever.
    pub fn from_millis(ms: i32) -> Wait {
        if ms < 0 { Wait::Forever } else { Wait::For(ms as u64 * 1_000_000) }
    }

    /// A `struct timespec` timeout (ppoll, pselect6); EINVAL when out of range.
    pub fn from_timespec(t: Timespec) -> Result<Wait, i64> {
        t.to_ns().map(Wait::For)
    }

    /// A `struct timeval` timeout (select): seconds and microseconds; EINVAL when out of range.
    pub fn from_timeval(tv: [i64; 2]) -> Result<Wait, i64> {
        let [sec, usec] = tv;
        if sec < 0 || !(0..1_000_000).contains(&usec) {
            return Err(EINVAL);
        }
        Ok(Wait::For((sec as u64).saturating_mul(NANOS_PER_SECOND).saturating_add(usec as u64 * 1000)))
    }
}

/// How long the host may wait in one go for a poll of a program with one thread, `now` on the
/// monotonic clock: until the call's `deadline` or the armed `alarm` (0: none), whichever comes
/// first. The alarm bounds it because only this kernel fires the alarm: the host would wait
/// through it, and its SIGALRM would not interrupt the call as on Linux.
pub fn host_wait(now: u64, deadline: Option<u64>, alarm: u64) -> Wait {
    let end = match (deadline, alarm) {
        (None, 0) => return Wait::Forever,
        (Some(deadline), 0) => deadline,
        (None, alarm) => alarm,
        (Some(deadline), alarm) => deadline.min(alarm),
    };
    Wait::For(end.saturating_sub(now))
}

/// poll(2) events select asks about, and the revents that make an fd ready for each set, as
/// Linux maps them (fs/select.c: POLLIN_SET, POLLOUT_SET, POLLEX_SET).
const POLLIN: u16 = 0x001;
const POLLPRI: u16 = 0x002;
const POLLOUT: u16 = 0x004;
const POLLERR: u16 = 0x008;
const POLLHUP: u16 = 0x010;
const POLLNVAL: u16 = 0x020;
const READ_READY: u16 = POLLIN | POLLHUP | POLLERR;
const WRITE_READY: u16 = POLLOUT | POLLERR;
const EXCEPT_READY: u16 = POLLPRI;

/// select's question as a poll: one pollfd in `out` for each of the first `nfds` fds named in
/// a set, asking for what its sets ask. Bits at or above `nfds` are cleared. Returns how many
/// pollfds it wrote (at most `nfds`, so `out` needs `nfds` entries), or EINVAL for too many fds.
/// Each set is `SELECT_WORDS` long; an absent set is all zero.
pub fn select_pollfds(
    nfds: usize,
    read: &mut [u64; SELECT_WORDS],
    write: &mut [u64; SELECT_WORDS],
    except: &mut [u64; SELECT_WORDS],
    out: &mut [PollFd],
) -> Result<usize, i64> {
    if nfds > MAX_SELECT_FDS {
        return Err(EINVAL);
    }
    for set in [&mut *read, &mut *write, &mut *except] {
        clear_from(set, nfds);
    }
    let mut count = 0;
    for word in 0..nfds.div_ceil(64) {
        let mut named = read[word] | write[word] | except[word];
        while named != 0 {
            let bit = 1u64 << named.trailing_zeros();
            named &= !bit;
            let asks = |set: &[u64; SELECT_WORDS], events: u16| if set[word] & bit != 0 { events } else { 0 };
            out[count] = PollFd {
                fd: (word * 64) as i32 + bit.trailing_zeros() as i32,
                events: asks(read, POLLIN) | asks(write, POLLOUT) | asks(except, POLLPRI),
                revents: 0,
            };
            count += 1;
        }
    }
    Ok(count)
}

/// select's answer, in place, from the host's poll of `select_pollfds`'s array: each set keeps
/// the fds ready for it. Returns how many bits are set, or EBADF when the host does not know a
/// named fd.
pub fn select_ready(
    polled: &[PollFd],
    read: &mut [u64; SELECT_WORDS],
    write: &mut [u64; SELECT_WORDS],
    except: &mut [u64; SELECT_WORDS],
) -> Result<u64, i64> {
    if polled.iter().any(|p| p.revents & POLLNVAL != 0) {
        return Err(EBADF);
    }
    for p in polled {
        let (word, bit) = (p.fd as usize / 64, 1u64 << (p.fd % 64));
        for (set, ready) in [(&mut *read, READ_READY), (&mut *write, WRITE_READY), (&mut *except, EXCEPT_READY)] {
            if p.revents & ready == 0 {
                set[word] &= !bit;
            }
        }
    }
    Ok(read.iter().chain(write.iter()).chain(except.iter()).map(|w| w.count_ones() as u64).sum())
}

/// Clears the bits of fds `nfds` and above.
fn clear_from(set: &mut [u64; SELECT_WORDS], nfds: usize) {
    for (word, bits) in set.iter_mut().enumerate() {
        let first = word * 64;
        if first >= nfds {
            *bits = 0;
        } else if nfds - first < 64 {
            *bits &= (1u64 << (nfds - first)) - 1;
        }
    }
}

#[cfg(not(test))]
pub use handlers::{sys_poll, sys_ppoll, sys_pselect6, sys_select};

/// The system calls: user memory in and out, hypercalls to check fds and to sleep.
#[cfg(not(test))]
mod handlers {
    use super::*;
    use crate::abi::errno::{EFAULT, EINTR};
    use crate::abi::host::kva;
    use crate::host::forwarded;
    use crate::host::{boot_info, hypercall};
    use crate::mm::user;
    use crate::mm::vma::PROT_WRITE;
    use crate::proc::{signal, task};
    use crate::syscalls::{result, Args};

    /// Waits out the timeout in the scheduler (other threads run meanwhile); the call then
    /// returns 0, nothing ready.
    fn sleep(wait: Wait) -> i64 {
        match wait {
            Wait::For(ns) => task::sleep_for(ns),
            Wait::Forever => task::sleep_until(None),
        }
    }

    /// Reads an optional timeout at `addr` (0: wait forever) with `parse`.
    fn timeout<T: Copy>(addr: u64, parse: impl FnOnce(T) -> Result<Wait, i64>) -> Result<Wait, i64> {
        if addr == 0 { Ok(Wait::Forever) } else { parse(user::read::<T>(addr)?) }
    }

    /// The host's wait argument: milliseconds (rounded up), -1 for ever.
    fn wait_millis(wait: Wait) -> u64 {
        match wait {
            Wait::Forever => -1i64 as u64,
            Wait::For(ns) => ns.div_ceil(1_000_000).min(i32::MAX as u64),
        }
    }

    fn poll(fds: u64, nfds: u64, wait: Wait) -> i64 {
        if nfds > MAX_SELECT_FDS as u64 {
            return -EINVAL;
        }
        let bytes = nfds as usize * core::mem::size_of::<PollFd>();
        if !user::accessible(fds, bytes as u64, PROT_WRITE) {
            return -EFAULT;
        }
        let io = boot_info::get().io_buffer;
        if let Err(errno) = user::copy_in(kva(io) as *mut u8, fds, bytes) {
            return -errno;
        }
        // The host waits only while no other thread could run meanwhile.
        let alone = task::with_scheduler(|s| s.live()) == 1;
        let ready = if alone { poll_alone(io, nfds, wait) } else { hypercall::call(forwarded::POLL, [io, nfds, 0, 0, 0, 0]) };
        if ready < 0 {
            return ready;
        }
        if let Err(errno) = user::copy_out(fds, kva(io) as *const u8, bytes) {
            return -errno;
        }
        if ready > 0 || alone {
            return ready;
        }
        match wait {
            // Nothing to wait for but the time: a sleep (a zero timeout only lets others run).
            _ if nfds == 0 => sleep(wait),
            Wait::For(0) => sleep(wait),
            Wait::For(ns) => task::park_on_poll(fds, nfds as u32, Some(task::monotonic_now().saturating_add(ns))),
            Wait::Forever => task::park_on_poll(fds, nfds as u32, None),
        }
    }

    /// The host's poll of the staged array for a program with one thread, waiting up to `wait`
    /// in pieces that end at the alarm (`host_wait`): a due alarm whose SIGALRM the thread takes
    /// ends the call with EINTR (the signal is delivered on the way out), as on Linux.
    fn poll_alone(io: u64, nfds: u64, wait: Wait) -> i64 {
        if signal::alarm_deadline() == 0 {
            return hypercall::call(forwarded::POLL, [io, nfds, wait_millis(wait), 0, 0, 0]);
        }
        let deadline = match wait {
            Wait::For(ns) => Some(task::monotonic_now().saturating_add(ns)),
            Wait::Forever => None,
        };
        loop {
            let now = task::monotonic_now();
            let piece = host_wait(now, deadline, signal::alarm_deadline());
            let ready = hypercall::call(forwarded::POLL, [io, nfds, wait_millis(piece), 0, 0, 0]);
            if ready != 0 {
                return ready;
            }
            if signal::alarm_interrupts_caller() {
                return -EINTR;
            }
            if deadline.is_some_and(|deadline| task::monotonic_now() >= deadline) {
                return 0;
            }
        }
    }

    pub fn sys_poll(a: &Args) -> i64 {
        poll(a[0], a[1], Wait::from_millis(a[2] as i32))
    }

    /// ppoll(2); the signal mask (a[3]) is ignored: no signal is ever delivered.
    pub fn sys_ppoll(a: &Args) -> i64 {
        match timeout(a[2], Wait::from_timespec) {
            Ok(wait) => poll(a[0], a[1], wait),
            Err(errno) => -errno,
        }
    }

    /// Bytes of the fd sets `nfds` covers (whole 64-bit words, as Linux copies them).
    fn set_bytes(nfds: usize) -> usize {
        nfds.div_ceil(64) * 8
    }

    fn read_set(addr: u64, nfds: usize, set: &mut [u64; SELECT_WORDS]) -> Result<(), i64> {
        if addr != 0 {
            user::copy_in(set.as_mut_ptr() as *mut u8, addr, set_bytes(nfds))?;
        }
        Ok(())
    }

    fn write_set(addr: u64, nfds: usize, set: &[u64; SELECT_WORDS]) -> Result<(), i64> {
        if addr != 0 {
            user::copy_out(addr, set.as_ptr() as *const u8, set_bytes(nfds))?;
        }
        Ok(())
    }

    /// select and pselect6 after their timeout is read: the sets become a pollfd array in the
    /// I/O buffer, which the host polls (and waits on, as for poll) for what each fd is ready
    /// for. With no fds, or other threads to run, the wait is a sleep in the scheduler;
    /// `zero_timeout` writes the time left (none) back after a full wait, as Linux updates it.
    fn select(a: &Args, wait: Wait, zero_timeout: impl FnOnce() -> Result<(), i64>) -> Result<u64, i64> {
        let nfds = a[0] as i32;
        if nfds < 0 || nfds as usize > MAX_SELECT_FDS {
            return Err(EINVAL);
        }
        let nfds = nfds as usize;
        let (mut read, mut write, mut except) = ([0u64; SELECT_WORDS], [0u64; SELECT_WORDS], [0u64; SELECT_WORDS]);
        read_set(a[1], nfds, &mut read)?;
        read_set(a[2], nfds, &mut write)?;
        read_set(a[3], nfds, &mut except)?;
        let io = boot_info::get().io_buffer;
        // SAFETY: the I/O buffer holds poll's MAX_SELECT_FDS pollfds, and nothing else uses it
        // during this call.
        let staged = unsafe { core::slice::from_raw_parts_mut(kva(io) as *mut PollFd, nfds) };
        let count = select_pollfds(nfds, &mut read, &mut write, &mut except, staged)?;
        let alone = task::with_scheduler(|s| s.live()) == 1;
        let host_waits = alone && count > 0;
        let polled = if count == 0 {
            0
        } else if host_waits {
            poll_alone(io, count as u64, wait)
        } else {
            hypercall::call(forwarded::POLL, [io, count as u64, 0, 0, 0, 0])
        };
        if polled < 0 {
            return Err(-polled);
        }
        let ready = select_ready(&staged[..count], &mut read, &mut write, &mut except)?;
        write_set(a[1], nfds, &read)?;
        write_set(a[2], nfds, &write)?;
        write_set(a[3], nfds, &except)?;
        if ready == 0 && wait != Wait::For(0) {
            // The answer (nothing ready, no time left) is written before the thread waits.
            zero_timeout()?;
            if !host_waits {
                sleep(wait);
            }
        }
        Ok(ready)
    }

    pub fn sys_select(a: &Args) -> i64 {
        let at = a[4];
        result(timeout(at, Wait::from_timeval).and_then(|wait| select(a, wait, || user::write(at, &[0i64; 2]))))
    }

    /// pselect6(2); the signal mask argument (a[5]) is ignored: no signal is ever delivered.
    pub fn sys_pselect6(a: &Args) -> i64 {
        let at = a[4];
        result(timeout(at, Wait::from_timespec).and_then(|wait| select(a, wait, || user::write(at, &Timespec::default()))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets() -> ([u64; SELECT_WORDS], [u64; SELECT_WORDS], [u64; SELECT_WORDS]) {
        ([0u64; SELECT_WORDS], [0u64; SELECT_WORDS], [0u64; SELECT_WORDS])
    }

    #[test]
    fn select_asks_the_host_about_each_named_fd_once() {
        let (mut r, mut w, mut e) = sets();
        r[0] = 0b101;
        w[0] = 0b110;
        e[1] = 1 << 2; // fd 66
        let mut out = [PollFd::default(); 67];
        assert_eq!(select_pollfds(67, &mut r, &mut w, &mut e, &mut out), Ok(4));
        let asked: [(i32, u16); 4] = core::array::from_fn(|i| (out[i].fd, out[i].events));
        assert_eq!(asked, [(0, POLLIN), (1, POLLOUT), (2, POLLIN | POLLOUT), (66, POLLPRI)]);
    }

    #[test]
    fn select_ignores_bits_at_or_above_nfds() {
        let (mut r, mut w, mut e) = sets();
        r[0] = 0b1001;
        r[1] = 1;
        let mut out = [PollFd::default(); 2];
        assert_eq!(select_pollfds(2, &mut r, &mut w, &mut e, &mut out), Ok(1));
        assert_eq!((r[0], r[1], out[0].fd), (1, 0, 0));
        assert_eq!(select_pollfds(MAX_SELECT_FDS + 1, &mut r, &mut w, &mut e, &mut out), Err(EINVAL));
    }

    #[test]
    fn select_keeps_the_fds_ready_for_each_set() {
        // fd 0 asked for all three: readable only (an eventfd with a count at its maximum);
        // fd 1 asked to read and write: writable only (an eventfd at zero); fd 2 asked to read:
        // its writer closed (POLLHUP), which select reports readable.
        let (mut r, mut w, mut e) = sets();
        (r[0], w[0], e[0]) = (0b111, 0b011, 0b001);
        let polled = [
            PollFd { fd: 0, events: POLLIN | POLLOUT | POLLPRI, revents: POLLIN },
            PollFd { fd: 1, events: POLLIN | POLLOUT, revents: POLLOUT },
            PollFd { fd: 2, events: POLLIN, revents: POLLHUP },
        ];
        assert_eq!(select_ready(&polled, &mut r, &mut w, &mut e), Ok(3));
        assert_eq!((r[0], w[0], e[0]), (0b101, 0b010, 0));
    }

    #[test]
    fn select_refuses_an_fd_the_host_does_not_know() {
        let (mut r, mut w, mut e) = sets();
        w[1] = 1 << 3; // fd 67
        let polled = [PollFd { fd: 67, events: POLLOUT, revents: POLLNVAL }];
        assert_eq!(select_ready(&polled, &mut r, &mut w, &mut e), Err(EBADF));
    }

    #[test]
    fn select_with_no_fds_is_a_sleep() {
        let (mut r, mut w, mut e) = sets();
        assert_eq!(select_pollfds(0, &mut r, &mut w, &mut e, &mut []), Ok(0));
        assert_eq!(select_ready(&[], &mut r, &mut w, &mut e), Ok(0));
    }

    #[test]
    fn timeouts() {
        assert_eq!(Wait::from_millis(-1), Wait::Forever);
        assert_eq!(Wait::from_millis(250), Wait::For(250_000_000));
        assert_eq!(Wait::from_timeval([1, 500_000]), Ok(Wait::For(1_500_000_000)));
        assert_eq!(Wait::from_timeval([0, 1_000_000]), Err(EINVAL));
        assert_eq!(Wait::from_timespec(Timespec { sec: 0, nsec: 5 }), Ok(Wait::For(5)));
        assert_eq!(Wait::from_timespec(Timespec { sec: -1, nsec: 0 }), Err(EINVAL));
    }

    #[test]
    fn the_host_waits_until_the_deadline_or_the_alarm_whichever_comes_first() {
        assert_eq!(host_wait(100, None, 0), Wait::Forever);
        assert_eq!(host_wait(100, Some(400), 0), Wait::For(300));
        assert_eq!(host_wait(100, None, 250), Wait::For(150));
        assert_eq!(host_wait(100, Some(400), 250), Wait::For(150));
        assert_eq!(host_wait(100, Some(200), 250), Wait::For(100));
        // Past either: no wait at all, the caller looks at the alarm and the deadline at once.
        assert_eq!(host_wait(300, Some(200), 0), Wait::For(0));
        assert_eq!(host_wait(300, None, 250), Wait::For(0));
    }
}
