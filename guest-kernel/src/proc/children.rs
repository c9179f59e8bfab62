//! SIGCHLD for children that exited. Each child is a VM of its own and the host keeps the
//! process table, so no event reaches this kernel when a child ends; instead a wait that may
//! last (epoll_wait: event loops such as libuv's learn of a child's end from SIGCHLD alone)
//! asks the host now and then, while some child forked here has not been announced, whether a
//! child has ended (waitid with WNOWAIT: the child stays for the program's own wait), and
//! posts SIGCHLD for each new one. The program's wait then ends with EINTR, its handler runs.
//! A child that ended is found only while no earlier ended child is left unreaped ahead of it
//! (the host names the first); programs that handle SIGCHLD reap their children.

/// How often a wait asks the host about children while one is outstanding.
pub const CHECK_EVERY_NS: u64 = 20_000_000;
/// Pids announced most recently: a child's end is announced once, even while it is unreaped.
const REMEMBERED: usize = 16;

/// Forks made and child ends announced.
pub struct ExitNotices {
    forks: u64,
    announced: u64,
    recent: [u64; REMEMBERED],
}

impl ExitNotices {
    pub const fn new() -> Self {
        ExitNotices { forks: 0, announced: 0, recent: [0; REMEMBERED] }
    }

    /// A fork made a child.
    pub fn forked(&mut self) {
        self.forks += 1;
    }

    /// Whether a child forked here may have ended unannounced.
    pub fn outstanding(&self) -> bool {
        self.announced < self.forks
    }

    /// The host names `pid` (0: none) as an ended child: true if it is news.
    pub fn announce(&mut self, pid: u64) -> bool {
        if pid == 0 || self.recent.contains(&pid) {
            return false;
        }
        self.recent[(self.announced % REMEMBERED as u64) as usize] = pid;
        self.announced += 1;
        true
    }
}

#[cfg(not(test))]
pub use handlers::{after_fork, forked, post_exits, watching};

#[cfg(not(test))]
mod handlers {
    use super::ExitNotices;
    use crate::abi::host::kva;
    use crate::host::{boot_info, forwarded, hypercall};
    use crate::proc::signal;

    static mut NOTICES: ExitNotices = ExitNotices::new();

    fn notices() -> &'static mut ExitNotices {
        // SAFETY: one vCPU, and the kernel runs with interrupts off: no two references at once.
        unsafe { &mut *core::ptr::addr_of_mut!(NOTICES) }
    }

    /// In the parent, after a fork made a child.
    pub fn forked() {
        notices().forked();
    }

    /// In a fork's child: it has no children yet.
    pub fn after_fork() {
        *notices() = ExitNotices::new();
    }

    /// Whether a wait should ask about children: one may have ended unannounced, and SIGCHLD
    /// has a handler to tell.
    pub fn watching() -> bool {
        notices().outstanding() && signal::sigchld_handled()
    }

    /// Asks the host for an ended child and posts SIGCHLD for it if it is news (call it when
    /// `watching`); true when a signal was posted.
    pub fn post_exits() -> bool {
        const P_ALL: u64 = 0;
        const WNOHANG: u64 = 1;
        const WEXITED: u64 = 4;
        const WNOWAIT: u64 = 0x0100_0000;
        /// siginfo_t: si_signo, si_errno, si_code (4 bytes each, then padding), si_pid at 16.
        const SI_PID: u64 = 16;
        let io = boot_info::get().io_buffer;
        // SAFETY: the I/O buffer is direct-mapped RAM of the kernel's; zeroed first because the
        // host writes nothing when no child has ended.
        unsafe { core::ptr::write_bytes(kva(io) as *mut u8, 0, 24) };
        if hypercall::call(forwarded::WAITID, [P_ALL, 0, io, WEXITED | WNOHANG | WNOWAIT, 0, 0]) != 0 {
            return false;
        }
        // SAFETY: as above; the host wrote the siginfo there.
        let pid = unsafe { core::ptr::read_volatile(kva(io + SI_PID) as *const i32) } as u64;
        if !notices().announce(pid) {
            return false;
        }
        signal::child_ended(pid);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_child_end_is_announced_once_while_children_are_outstanding() {
        let mut notices = ExitNotices::new();
        assert!(!notices.outstanding(), "no child yet");
        notices.forked();
        notices.forked();
        assert!(notices.outstanding());
        assert!(!notices.announce(0), "no child has ended");
        assert!(notices.announce(7));
        assert!(!notices.announce(7), "still unreaped: not news");
        assert!(notices.outstanding());
        assert!(notices.announce(8));
        assert!(!notices.outstanding(), "both announced: no more asking");
    }
}
