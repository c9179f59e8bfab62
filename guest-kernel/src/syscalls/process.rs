//! The process: fork, vfork, execve, execveat, wait4, waitid, exit_group, the resource limits,
//! umask and resource usage. Processes are made by the host (proc/spawn.rs); limits and umask
//! are kept in proc/process.rs.

use crate::abi::errno::{EFAULT, EINVAL, ENOSYS, EPERM};
use crate::abi::host::{kva, PAGE_SIZE};
use crate::abi::linux::{AT_FDCWD, NANOS_PER_SECOND};
use crate::host::forwarded;
use crate::host::{boot_info, exit, hypercall};
use crate::mm::global::with_memory;
use crate::mm::user;
use crate::proc::exec::CLOCK_TICKS;
use crate::proc::process::{with_process, Rlimit};
use crate::proc::spawn;
use crate::proc::task::{self, CloneRequest};
use crate::syscalls::{result, Args};

/// fork(2) and vfork(2) (see `spawn::fork`).
pub fn sys_fork(_: &Args) -> i64 {
    result(spawn::fork(&CloneRequest::default()))
}

/// execve(2): returns only on failure.
pub fn sys_execve(a: &Args) -> i64 {
    result(spawn::execve(a[0], a[1], a[2]))
}

/// execveat(2) with a path relative to the working directory or absolute (AT_FDCWD, no flags).
pub fn sys_execveat(a: &Args) -> i64 {
    if a[0] as i32 as i64 != AT_FDCWD as i64 || a[4] != 0 {
        return -ENOSYS;
    }
    result(spawn::execve(a[1], a[2], a[3]))
}

/// wait4(2): the status word comes back through the I/O buffer; the resource usage is
/// reported as zero.
pub fn sys_wait4(a: &Args) -> i64 {
    let (pid, status, options, rusage) = (a[0], a[1], a[2], a[3]);
    let io = boot_info::get().io_buffer;
    let child = hypercall::call(forwarded::WAIT4, [pid, if status != 0 { io } else { 0 }, options, 0, 0, 0]);
    if child > 0 {
        // SAFETY: the host wrote 4 bytes at the start of the I/O buffer (direct-mapped RAM).
        let word = unsafe { core::ptr::read_volatile(kva(io) as *const u32) };
        if status != 0 {
            if let Err(errno) = user::write(status, &word) {
                return -errno;
            }
        }
        if rusage != 0 {
            if let Err(errno) = user::write(rusage, &[0u64; 18]) {
                return -errno;
            }
        }
    }
    child
}

/// waitid(2): the siginfo comes back through the I/O buffer; the resource usage is zero.
pub fn sys_waitid(a: &Args) -> i64 {
    const SIGINFO_SIZE: usize = 128;
    let (idtype, id, info, options, rusage) = (a[0], a[1], a[2], a[3], a[4]);
    let io = boot_info::get().io_buffer;
    let done = hypercall::call(forwarded::WAITID, [idtype, id, if info != 0 { io } else { 0 }, options, 0, 0]);
    if done == 0 {
        if info != 0 {
            if let Err(errno) = user::copy_out(info, kva(io) as *const u8, SIGINFO_SIZE) {
                return -errno;
            }
        }
        if rusage != 0 {
            if let Err(errno) = user::write(rusage, &[0u64; 18]) {
                return -errno;
            }
        }
    }
    done
}

/// exit_group(2): ends the program, all threads.
pub fn sys_exit_group(a: &Args) -> i64 {
    exit::exit(a[0] & 0xff)
}

fn prlimit(resource: u64, new: u64, old: u64) -> Result<u64, i64> {
    let new_limit = if new != 0 { Some(user::read::<Rlimit>(new)?) } else { None };
    let current = with_process(|p| p.limit(resource))?;
    if old != 0 {
        user::write(old, &current)?;
    }
    if let Some(limit) = new_limit {
        with_process(|p| p.set_limit(resource, limit))?;
    }
    Ok(0)
}

pub fn sys_prlimit64(a: &Args) -> i64 {
    // Only this process exists: pid 0 or our own.
    if a[0] != 0 && a[0] != spawn::pid() {
        return -EPERM;
    }
    result(prlimit(a[1], a[2], a[3]))
}

pub fn sys_getrlimit(a: &Args) -> i64 {
    result(prlimit(a[0], 0, a[1]))
}

pub fn sys_setrlimit(a: &Args) -> i64 {
    result(prlimit(a[0], a[1], 0))
}

pub fn sys_umask(a: &Args) -> i64 {
    let umask = a[0] & 0o777;
    // The host serves calls that create files from the door with the door's copy.
    #[cfg(not(test))]
    crate::arch::door::set_umask(umask);
    with_process(|p| core::mem::replace(&mut p.umask, umask)) as i64
}

/// getrusage(2): user time, maximum resident size (frames in use), nothing for children.
pub fn sys_getrusage(a: &Args) -> i64 {
    const RUSAGE_CHILDREN: u64 = (-1i64) as u64;
    const RUSAGE_SELF: u64 = 0;
    const RUSAGE_THREAD: u64 = 1;
    let mut usage = [0u64; 18];
    match a[0] {
        RUSAGE_SELF | RUSAGE_THREAD => {
            let ns = if a[0] == RUSAGE_SELF { task::process_cpu_ns() } else { task::thread_cpu_ns() };
            usage[0] = ns / NANOS_PER_SECOND;
            usage[1] = (ns % NANOS_PER_SECOND) / 1000;
            let used_pages = with_memory(|mem, _| mem.frames.used());
            usage[4] = used_pages * (PAGE_SIZE / 1024);
        }
        RUSAGE_CHILDREN => {}
        _ => return -EINVAL,
    }
    result(user::write(a[1], &usage).map(|_| 0))
}

/// times(2): the program's CPU time as user time; returns clock ticks since boot.
pub fn sys_times(a: &Args) -> i64 {
    let tick_ns = NANOS_PER_SECOND / CLOCK_TICKS;
    let ticks = task::monotonic_now() / tick_ns;
    if a[0] != 0 && user::write(a[0], &[task::process_cpu_ns() / tick_ns, 0u64, 0, 0]).is_err() {
        return -EFAULT;
    }
    ticks as i64
}
