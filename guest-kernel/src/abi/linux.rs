//! Linux x86-64 flags, numbers and structures that more than one module of the kernel uses, one
//! home each; those a single module uses stay beside it (`FUTEX_*`, `MAP_*`, the auxv `AT_*`).

use crate::abi::errno::EINVAL;

// ---- Files -------------------------------------------------------------------------------------

/// The `dirfd` that means the working directory.
pub const AT_FDCWD: u64 = (-100i64) as u64;
pub const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
pub const AT_REMOVEDIR: u64 = 0x200;
pub const AT_EMPTY_PATH: u64 = 0x1000;

/// The longest path, with its NUL: the room one path takes in the I/O buffer.
pub const PATH_MAX: usize = 4096;
/// Most iovecs one call takes.
pub const IOV_MAX: u64 = 1024;
pub const F_GETFD: u64 = 1;
pub const F_GETFL: u64 = 3;
pub const F_DUPFD_CLOEXEC: u64 = 1030;
pub const O_ACCMODE: u64 = 0o3;
pub const O_RDONLY: u64 = 0;
pub const O_WRONLY: u64 = 0o1;
pub const O_RDWR: u64 = 0o2;
pub const O_NONBLOCK: u64 = 0o4000;
/// poll(2) events.
pub const POLLIN: u16 = 0x1;
pub const POLLOUT: u16 = 0x4;

/// `struct pollfd`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct PollFd {
    pub fd: i32,
    pub events: u16,
    pub revents: u16,
}

// ---- clone(2) ----------------------------------------------------------------------------------

pub const CLONE_VM: u64 = 0x100;
pub const CLONE_FS: u64 = 0x200;
pub const CLONE_FILES: u64 = 0x400;
pub const CLONE_SIGHAND: u64 = 0x800;
pub const CLONE_VFORK: u64 = 0x4000;
pub const CLONE_THREAD: u64 = 0x1_0000;
pub const CLONE_SYSVSEM: u64 = 0x4_0000;
pub const CLONE_SETTLS: u64 = 0x8_0000;
pub const CLONE_PARENT_SETTID: u64 = 0x10_0000;
pub const CLONE_CHILD_CLEARTID: u64 = 0x20_0000;
pub const CLONE_DETACHED: u64 = 0x40_0000;
pub const CLONE_CHILD_SETTID: u64 = 0x100_0000;
/// The exit signal in clone's flags (meaningless for threads).
pub const CSIGNAL: u64 = 0xff;

// ---- Signals -----------------------------------------------------------------------------------

pub const SIGINT: u64 = 2;
pub const SIGILL: u64 = 4;
pub const SIGTRAP: u64 = 5;
pub const SIGBUS: u64 = 7;
pub const SIGFPE: u64 = 8;
pub const SIGKILL: u64 = 9;
pub const SIGSEGV: u64 = 11;
pub const SIGPIPE: u64 = 13;
pub const SIGALRM: u64 = 14;
pub const SIGCHLD: u64 = 17;
pub const SIGCONT: u64 = 18;
pub const SIGSTOP: u64 = 19;
pub const SIGTSTP: u64 = 20;
pub const SIGTTIN: u64 = 21;
pub const SIGTTOU: u64 = 22;
pub const SIGURG: u64 = 23;
pub const SIGWINCH: u64 = 28;
/// Highest signal number (realtime signals included).
pub const NSIG: u64 = 64;

pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;

// ---- Time --------------------------------------------------------------------------------------

pub const CLOCK_REALTIME: u64 = 0;
pub const CLOCK_MONOTONIC: u64 = 1;
pub const CLOCK_PROCESS_CPUTIME_ID: u64 = 2;
pub const CLOCK_THREAD_CPUTIME_ID: u64 = 3;
pub const CLOCK_MONOTONIC_RAW: u64 = 4;
pub const CLOCK_REALTIME_COARSE: u64 = 5;
pub const CLOCK_MONOTONIC_COARSE: u64 = 6;
pub const CLOCK_BOOTTIME: u64 = 7;
pub const CLOCK_TAI: u64 = 11;

pub const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// A `struct timespec` as Linux lays it out.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Timespec {
    pub sec: i64,
    pub nsec: i64,
}

impl Timespec {
    pub fn from_ns(ns: u64) -> Self {
        Timespec { sec: (ns / NANOS_PER_SECOND) as i64, nsec: (ns % NANOS_PER_SECOND) as i64 }
    }

    /// Nanoseconds, or EINVAL if the fields are out of range (as nanosleep checks).
    pub fn to_ns(&self) -> Result<u64, i64> {
        if self.sec < 0 || !(0..NANOS_PER_SECOND as i64).contains(&self.nsec) {
            return Err(EINVAL);
        }
        Ok((self.sec as u64).saturating_mul(NANOS_PER_SECOND).saturating_add(self.nsec as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespec_round_trips_and_validates() {
        assert_eq!(Timespec::from_ns(1_500_000_000), Timespec { sec: 1, nsec: 500_000_000 });
        assert_eq!(Timespec { sec: 2, nsec: 5 }.to_ns(), Ok(2_000_000_005));
        assert_eq!(Timespec { sec: -1, nsec: 0 }.to_ns(), Err(EINVAL));
        assert_eq!(Timespec { sec: 0, nsec: NANOS_PER_SECOND as i64 }.to_ns(), Err(EINVAL));
    }
}
