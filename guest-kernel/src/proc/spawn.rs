//! Processes: fork, vfork, execve, wait4, waitid, kill, pipes. Each process is a micro-VM of
//! its own, so these calls are forwarded to the host (docs/guest-abi.md, "Processes"):
//!
//! - fork copies the whole VM while this vCPU is stopped inside the hypercall; the copy resumes
//!   at the same instruction and only the hypercall's result differs (0 in the child). What
//!   the child must change in itself afterwards (its pid, the threads that do not go on) is
//!   done here, in the child, after the hypercall returns.
//! - execve hands the host the path, argv and envp; on success the host starts the new image in
//!   a fresh VM with the same pid and fd table and this VM never resumes.
//! - wait4, waitid and kill are answered from the host's process table.

use crate::abi::host::kva;
use crate::abi::linux::{
    AT_FDCWD, CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_PARENT_SETTID, CLONE_SETTLS, CLONE_VFORK, CLONE_VM, PATH_MAX,
    SIGPIPE, SIG_DFL,
};
use crate::abi::errno::{E2BIG, EFAULT, EINVAL};
use crate::host::hypercall;
use crate::abi::nr;
use crate::mm::user;

type Args = [u64; 6];

/// Most argv plus envp strings execve accepts (Linux's MAX_ARG_STRINGS is 0x7fffffff; this is
/// what a page of pointers per 512 strings and the I/O buffer make sensible).
const MAX_STRINGS: u64 = 0x1_0000;

/// This process's pid and its parent's, from the host: learned at boot and again in a fork's
/// child. The parent's is not updated when the parent exits first (Linux would report the
/// process that adopted it).
static mut PID: u64 = crate::proc::process::PID;
static mut PARENT_PID: u64 = 0;

fn result(r: Result<u64, i64>) -> i64 {
    match r {
        Ok(value) => value as i64,
        Err(errno) => -errno,
    }
}

/// This process's pid.
pub fn pid() -> u64 {
    // SAFETY: one vCPU; written only at boot and in a fork's child before the call returns.
    unsafe { PID }
}

/// Asks the host which pid this VM's process and its parent have, and makes the pid the
/// first thread's tid too (Linux's main thread has tid == pid).
pub fn learn_identity() {
    let pid = hypercall::call(nr::GETPID, [0; 6]);
    let parent = hypercall::call(nr::GETPPID, [0; 6]);
    if pid > 0 {
        // SAFETY: see `pid`.
        unsafe {
            PID = pid as u64;
            PARENT_PID = parent.max(0) as u64;
        }
        crate::proc::task::with_scheduler(|s| s.current().tid = pid as u64);
    }
}

/// getpid(2).
pub fn sys_getpid(_: &Args) -> i64 {
    pid() as i64
}

/// getppid(2).
pub fn sys_getppid(_: &Args) -> i64 {
    // SAFETY: see `pid`.
    unsafe { PARENT_PID as i64 }
}

/// fork(2) and vfork(2). vfork has fork's semantics here: the parent does not wait for the
/// child's execve or exit, and the child has its own copy of memory (programs that follow
/// vfork's rules cannot tell).
pub fn sys_fork(_: &Args) -> i64 {
    result(fork(&ProcessClone::default()))
}

/// What a clone that makes a process asks for besides the copy (clone(2)'s arguments).
#[derive(Default)]
pub struct ProcessClone {
    pub flags: u64,
    /// The child's stack pointer (0: the caller's), as posix_spawn's CLONE_VM|CLONE_VFORK gives.
    pub stack: u64,
    pub parent_tid: u64,
    pub child_tid: u64,
    pub tls: u64,
}

/// Flags a process clone may carry: what fork, vfork and posix_spawn pass (the exit signal
/// byte is dropped by the caller). Sharing anything else with the child (files, signal
/// handlers, CLONE_VM without CLONE_VFORK) cannot be done across two VMs.
const PROCESS_FLAGS: u64 =
    CLONE_VM | CLONE_VFORK | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID;

/// Stack the forked child switches to when its clone call returns (see `take_child_stack`).
static mut CHILD_STACK: u64 = 0;

/// clone(2) without CLONE_THREAD, called by task.rs: a new process. CLONE_VM is accepted only
/// with CLONE_VFORK (glibc's posix_spawn) and then gets fork's semantics, as vfork does.
pub fn clone_process(request: &ProcessClone) -> Result<u64, i64> {
    let flags = request.flags;
    if flags & !PROCESS_FLAGS != 0 || (flags & CLONE_VM != 0 && flags & CLONE_VFORK == 0) {
        return Err(EINVAL);
    }
    fork(request)
}

/// The stack a clone's child must continue on, once (the full-frame path applies it).
pub fn take_child_stack() -> Option<u64> {
    // SAFETY: one vCPU; set by `fork` in the child and taken by the same call's return path.
    let stack = unsafe { core::mem::replace(&mut *core::ptr::addr_of_mut!(CHILD_STACK), 0) };
    if stack != 0 { Some(stack) } else { None }
}

fn fork(request: &ProcessClone) -> Result<u64, i64> {
    let flags = request.flags;
    if flags & CLONE_SETTLS != 0 && request.tls >= crate::abi::host::USER_TOP {
        return Err(crate::abi::errno::EPERM);
    }
    let child = hypercall::call(nr::FORK, [0; 6]);
    if child < 0 {
        return Err(-child);
    }
    if child > 0 {
        if flags & CLONE_PARENT_SETTID != 0 {
            user::write(request.parent_tid, &(child as u32))?;
        }
        return Ok(child as u64);
    }
    // The child: a copy of the parent, which goes on from here with only this thread.
    crate::proc::task::forget_other_threads();
    crate::proc::signal::after_fork();
    learn_identity();
    let pid = pid();
    if flags & CLONE_PARENT_SETTID != 0 {
        user::write(request.parent_tid, &(pid as u32))?;
    }
    if flags & CLONE_CHILD_SETTID != 0 {
        user::write(request.child_tid, &(pid as u32))?;
    }
    crate::proc::task::with_scheduler(|s| {
        let thread = s.current();
        if flags & CLONE_CHILD_CLEARTID != 0 {
            thread.clear_child_tid = request.child_tid;
        }
    });
    if flags & CLONE_SETTLS != 0 {
        crate::proc::task::set_segment_base(true, request.tls);
        // SAFETY: a user-space base (checked above); the kernel itself does not use FS.
        unsafe { crate::arch::cpu::wrmsr(crate::arch::cpu::IA32_FS_BASE, request.tls) };
    }
    // SAFETY: see `take_child_stack`.
    unsafe { CHILD_STACK = request.stack };
    Ok(0)
}

/// execve(2): stages the path and the argv and envp strings in the I/O buffer and asks the
/// host to replace this process's image. Returns only on failure.
pub fn sys_execve(a: &Args) -> i64 {
    result(execve(a[0], a[1], a[2]))
}

/// execveat(2) with a path relative to the working directory or absolute (AT_FDCWD, no flags).
pub fn sys_execveat(a: &Args) -> i64 {
    if a[0] as i32 as i64 != AT_FDCWD as i64 || a[4] != 0 {
        return -crate::abi::errno::ENOSYS;
    }
    result(execve(a[1], a[2], a[3]))
}

fn execve(path: u64, argv: u64, envp: u64) -> Result<u64, i64> {
    let info = crate::host::boot_info::get();
    let (io, io_len) = (info.io_buffer, info.io_buffer_size as usize);
    // SAFETY: the I/O buffer is validated guest RAM reserved for staging, mapped by the direct
    // map; this call is its only user until the hypercall, during which the kernel does not
    // touch it.
    let buffer = unsafe { core::slice::from_raw_parts_mut(kva(io) as *mut u8, io_len) };
    // The path first, in PATH_MAX bytes; argv and envp follow it.
    let (path_room, strings) = buffer.split_at_mut(PATH_MAX);
    user::read_string(path, path_room)?;
    let mut used = 0usize;
    let argc = stage_strings(argv, strings, &mut used)?;
    let envc = stage_strings(envp, strings, &mut used)?;
    let status = hypercall::call(nr::EXECVE, [io, io + PATH_MAX as u64, used as u64, argc, envc, 0]);
    // Only a failure comes back: after a success the host never resumes this VM.
    Err(if status < 0 { -status } else { EINVAL })
}

/// Copies the NULL-terminated array of string pointers at `list` (null: none) into
/// `block[used..]`; returns how many strings. E2BIG when they do not fit, as Linux gives past
/// its argument limit.
fn stage_strings(list: u64, block: &mut [u8], used: &mut usize) -> Result<u64, i64> {
    if list == 0 {
        return Ok(0);
    }
    let mut count = 0u64;
    loop {
        let at = list.checked_add(count * 8).ok_or(EFAULT)?;
        let string: u64 = user::read(at)?;
        if string == 0 {
            return Ok(count);
        }
        if count == MAX_STRINGS || *used >= block.len() {
            return Err(E2BIG);
        }
        let length = user::read_string(string, &mut block[*used..]).map_err(|errno| {
            if errno == crate::abi::errno::ENAMETOOLONG { E2BIG } else { errno }
        })?;
        *used += length + 1;
        count += 1;
    }
}

/// wait4(2): the status word comes back through the I/O buffer; the resource usage is
/// reported as zero.
pub fn sys_wait4(a: &Args) -> i64 {
    let (pid, status, options, rusage) = (a[0], a[1], a[2], a[3]);
    let io = crate::host::boot_info::get().io_buffer;
    let child = hypercall::call(nr::WAIT4, [pid, if status != 0 { io } else { 0 }, options, 0, 0, 0]);
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
    let io = crate::host::boot_info::get().io_buffer;
    let done = hypercall::call(nr::WAITID, [idtype, id, if info != 0 { io } else { 0 }, options, 0, 0]);
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

/// kill(2) to another process (signal.rs serves the calling process's own pid): a child, every
/// process (-1) or the process group (0, which is every process of the run); the host stops
/// the process a signal kills. A signal sent to another process is not delivered to a handler
/// there: one it catches or ignores still ends it, unless its default action is to be ignored.
pub fn sys_kill(a: &Args) -> i64 {
    hypercall::call(nr::KILL, [a[0], a[1], 0, 0, 0, 0])
}

/// write(2): as fs.rs does it, then SIGPIPE's default action (see `sigpipe`).
pub fn sys_write(a: &Args) -> i64 {
    sigpipe(crate::fs::sys_write(a))
}

/// writev(2): as fs.rs does it, then SIGPIPE's default action (see `sigpipe`).
pub fn sys_writev(a: &Args) -> i64 {
    sigpipe(crate::fs::sys_writev(a))
}

/// A write to a pipe or socket pair without readers fails with EPIPE and, on Linux, raises
/// SIGPIPE, whose default action ends the process: when the program left SIGPIPE at its
/// default, the host is asked to end this process as killed by it (the VM stops before the
/// call returns). A program that catches SIGPIPE gets EPIPE and its handler runs (signal.rs;
/// write is a lean call, so at its next system call); one that ignores it (Python does) just
/// gets EPIPE.
fn sigpipe(result: i64) -> i64 {
    if result == -crate::abi::errno::EPIPE {
        let action = crate::proc::process::with_process(|p| p.sigaction(SIGPIPE, None));
        if action.is_ok_and(|action| action.handler == SIG_DFL) {
            hypercall::call(nr::KILL, [pid(), SIGPIPE, 0, 0, 0, 0]);
        }
        crate::proc::signal::raise_for_caller(SIGPIPE);
    }
    result
}

/// pipe2(2): the two fds come back through the I/O buffer.
pub fn sys_pipe2(a: &Args) -> i64 {
    let io = crate::host::boot_info::get().io_buffer;
    let status = hypercall::call(nr::PIPE2, [io, a[1], 0, 0, 0, 0]);
    copy_fd_pair(status, io, a[0])
}

/// pipe(2): pipe2 without flags.
pub fn sys_pipe(a: &Args) -> i64 {
    sys_pipe2(&[a[0], 0, 0, 0, 0, 0])
}

/// socketpair(2): AF_UNIX stream pairs, made by the host like pipes.
pub fn sys_socketpair(a: &Args) -> i64 {
    let io = crate::host::boot_info::get().io_buffer;
    let status = hypercall::call(nr::SOCKETPAIR, [a[0], a[1], a[2], io, 0, 0]);
    copy_fd_pair(status, io, a[3])
}

/// Copies the two fds the host wrote at `io` to the program; on a fault closes them again.
fn copy_fd_pair(status: i64, io: u64, to: u64) -> i64 {
    if status < 0 {
        return status;
    }
    // SAFETY: the host wrote two ints at the start of the I/O buffer (direct-mapped RAM).
    let fds = unsafe { core::ptr::read_volatile(kva(io) as *const [i32; 2]) };
    if let Err(errno) = user::write(to, &fds) {
        for fd in fds {
            hypercall::call(nr::CLOSE, [fd as u64, 0, 0, 0, 0, 0]);
        }
        return -errno;
    }
    0
}
