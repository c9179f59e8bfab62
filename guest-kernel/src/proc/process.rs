//! Per-program state the kernel keeps for system calls served in the guest: identity,
//! resource limits and signal actions. Shared by all threads of the program; what each thread
//! has of its own (TLS bases, clear_child_tid, robust list, signal mask) is in sched.rs;
//! delivery is in signal.rs.

use crate::abi::errno::EINVAL;
use crate::abi::linux::{NSIG, SIGKILL, SIGSTOP};
use crate::proc::sigframe::UNBLOCKABLE;
#[cfg(not(test))]
use crate::arch::cell::KernelCell;

/// The identity every program runs with (getuid() and friends, AT_UID...).
pub const USER_ID: u64 = 1000;
pub const GROUP_ID: u64 = 1000;

pub const PID: u64 = 1;
pub const PARENT_PID: u64 = 0;

pub const RLIMIT_STACK: usize = 3;
pub const RLIMIT_CORE: usize = 4;
pub const RLIMIT_NPROC: usize = 6;
pub const RLIMIT_NOFILE: usize = 7;
pub const RLIM_NLIMITS: usize = 16;
pub const RLIM_INFINITY: u64 = u64::MAX;
/// Processes a run may have at once: the host's cap (vmm.ProcessTable), reported as RLIMIT_NPROC.
const MAX_PROCESSES: u64 = 16;

/// Files a program may open, as a Linux default soft limit.
const NOFILE_SOFT: u64 = 1024;
pub const NOFILE_HARD: u64 = 4096;


/// A `struct rlimit`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rlimit {
    pub cur: u64,
    pub max: u64,
}

/// The kernel's `struct sigaction` for x86-64 rt_sigaction (handler, flags, restorer, mask).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigAction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}

pub struct Process {
    pub umask: u64,
    /// The nice value setpriority(2) set (-20 to 19); the scheduler does not use it.
    pub nice: i64,
    actions: [SigAction; NSIG as usize],
    limits: [Rlimit; RLIM_NLIMITS],
}

impl Default for Process {
    fn default() -> Self {
        Self::new(8 << 20)
    }
}

impl Process {
    pub const fn new(stack_size: u64) -> Self {
        let mut limits = [Rlimit { cur: RLIM_INFINITY, max: RLIM_INFINITY }; RLIM_NLIMITS];
        limits[RLIMIT_STACK] = Rlimit { cur: stack_size, max: RLIM_INFINITY };
        limits[RLIMIT_CORE] = Rlimit { cur: 0, max: 0 };
        limits[RLIMIT_NPROC] = Rlimit { cur: MAX_PROCESSES, max: MAX_PROCESSES };
        limits[RLIMIT_NOFILE] = Rlimit { cur: NOFILE_SOFT, max: NOFILE_HARD };
        Process {
            umask: 0o022,
            nice: 0,
            actions: [SigAction { handler: 0, flags: 0, restorer: 0, mask: 0 }; NSIG as usize],
            limits,
        }
    }

    /// Sets the stack limit reported to the program (RLIMIT_STACK).
    pub fn set_stack_size(&mut self, stack_size: u64) {
        self.limits[RLIMIT_STACK].cur = stack_size;
    }

    pub fn limit(&self, resource: u64) -> Result<Rlimit, i64> {
        self.limits.get(resource as usize).copied().ok_or(EINVAL)
    }

    /// Sets a limit; like Linux, the soft limit may not exceed the hard one and the hard
    /// one may not rise (the program is not privileged).
    pub fn set_limit(&mut self, resource: u64, new: Rlimit) -> Result<(), i64> {
        let old = self.limit(resource)?;
        if new.cur > new.max || new.max > old.max {
            return Err(if new.cur > new.max { EINVAL } else { crate::abi::errno::EPERM });
        }
        self.limits[resource as usize] = new;
        Ok(())
    }

    /// rt_sigaction bookkeeping: returns the old action; SIGKILL and SIGSTOP cannot change.
    pub fn sigaction(&mut self, signal: u64, new: Option<SigAction>) -> Result<SigAction, i64> {
        if signal == 0 || signal > NSIG {
            return Err(EINVAL);
        }
        let old = self.actions[signal as usize - 1];
        if let Some(action) = new {
            if signal == SIGKILL || signal == SIGSTOP {
                return Err(EINVAL);
            }
            self.actions[signal as usize - 1] = action;
        }
        Ok(old)
    }
}

#[cfg(not(test))]
static PROCESS: KernelCell<Process> = KernelCell::new(Process::new(0));

/// Runs `f` with the program's bookkeeping.
#[cfg(not(test))]
pub fn with_process<R>(f: impl FnOnce(&mut Process) -> R) -> R {
    // SAFETY: one vCPU, interrupts off, and the page-fault path never touches PROCESS.
    f(unsafe { PROCESS.get() })
}

/// rt_sigprocmask: the mask after `how` (0 = block, 1 = unblock, 2 = set) applies `set` to
/// `old`; SIGKILL and SIGSTOP are never blocked.
pub fn change_mask(old: u64, how: u64, set: Option<u64>) -> Result<u64, i64> {
    let Some(set) = set else { return Ok(old) };
    let mask = match how {
        0 => old | set,
        1 => old & !set,
        2 => set,
        _ => return Err(EINVAL),
    };
    Ok(mask & !UNBLOCKABLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_the_stack_and_file_limits() {
        let process = Process::new(4 << 20);
        assert_eq!(process.limit(RLIMIT_STACK as u64).unwrap().cur, 4 << 20);
        assert_eq!(process.limit(RLIMIT_NOFILE as u64).unwrap(), Rlimit { cur: 1024, max: 4096 });
        assert_eq!(process.limit(99), Err(EINVAL));
    }

    #[test]
    fn lowers_but_never_raises_hard_limits() {
        let mut process = Process::new(8 << 20);
        let nofile = RLIMIT_NOFILE as u64;
        assert_eq!(process.set_limit(nofile, Rlimit { cur: 4096, max: 4096 }), Ok(()));
        assert_eq!(process.set_limit(nofile, Rlimit { cur: 10, max: 100 }), Ok(()));
        assert_eq!(process.set_limit(nofile, Rlimit { cur: 10, max: 200 }), Err(crate::abi::errno::EPERM));
        assert_eq!(process.set_limit(nofile, Rlimit { cur: 50, max: 20 }), Err(EINVAL));
    }

    #[test]
    fn keeps_signal_actions_and_mask() {
        let mut process = Process::default();
        let action = SigAction { handler: 0x401000, flags: 4, restorer: 0x402000, mask: 0 };
        assert_eq!(process.sigaction(2, Some(action)), Ok(SigAction::default()));
        assert_eq!(process.sigaction(2, None), Ok(action));
        assert_eq!(process.sigaction(9, Some(action)), Err(EINVAL));
        assert_eq!(process.sigaction(0, None), Err(EINVAL));
        assert_eq!(change_mask(0, 0, Some(0b110)), Ok(0b110));
        assert_eq!(change_mask(0b110, 1, Some(0b010)), Ok(0b100));
        assert_eq!(change_mask(0b100, 2, Some(u64::MAX)).unwrap() & (1 << 8), 0, "SIGKILL cannot be blocked");
        assert_eq!(change_mask(0b100, 2, None), Ok(0b100));
        assert_eq!(change_mask(0, 7, Some(0)), Err(EINVAL));
    }
}
