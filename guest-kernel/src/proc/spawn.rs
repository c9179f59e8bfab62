//! Processes, the kernel's side: this process's identity, fork and execve. Each process is a
//! micro-VM of its own, so the host makes them (docs/guest-abi.md, "Processes"; the system
//! calls are in syscalls/process.rs):
//!
//! - fork copies the whole VM while this vCPU is stopped inside the hypercall; the copy resumes
//!   at the same instruction and only the hypercall's result differs (0 in the child). What
//!   the child must change in itself afterwards (its pid, the threads that do not go on) is
//!   done here, in the child, after the hypercall returns.
//! - execve hands the host the path, argv and envp; on success the host starts the new image in
//!   a fresh VM with the same pid and fd table and this VM never resumes.
//! - wait4, waitid and kill (syscalls/) are answered from the host's process table.

use crate::abi::errno::{E2BIG, EFAULT, EINVAL, ENAMETOOLONG};
use crate::abi::host::kva;
use crate::abi::linux::{
    CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_PARENT_SETTID, CLONE_SETTLS, CLONE_VFORK, CLONE_VM, PATH_MAX,
};
use crate::host::forwarded;
use crate::arch::cpu::{self, IA32_FS_BASE};
use crate::host::{boot_info, file_mappings, hypercall};
use crate::mm::user;
use crate::proc::task::{self, CloneRequest};
use crate::proc::{children, process, signal};

/// Most argv plus envp strings execve accepts (Linux's MAX_ARG_STRINGS is 0x7fffffff; this is
/// what a page of pointers per 512 strings and the I/O buffer make sensible).
const MAX_STRINGS: u64 = 0x1_0000;

/// This process's pid and its parent's, from the host: learned at boot and again in a fork's
/// child. The parent's is not updated when the parent exits first (Linux would report the
/// process that adopted it).
static mut PID: u64 = process::PID;
static mut PARENT_PID: u64 = 0;

/// This process's pid.
pub fn pid() -> u64 {
    // SAFETY: one vCPU; written only at boot and in a fork's child before the call returns.
    unsafe { PID }
}

/// Asks the host which pid this VM's process and its parent have, and makes the pid the
/// first thread's tid too (Linux's main thread has tid == pid).
pub fn learn_identity() {
    let pid = hypercall::call(forwarded::GETPID, [0; 6]);
    let parent = hypercall::call(forwarded::GETPPID, [0; 6]);
    if pid > 0 {
        // SAFETY: see `pid`.
        unsafe {
            PID = pid as u64;
            PARENT_PID = parent.max(0) as u64;
        }
        task::with_scheduler(|s| s.current().tid = pid as u64);
    }
}

/// The parent's pid.
pub fn parent_pid() -> u64 {
    // SAFETY: see `pid`.
    unsafe { PARENT_PID }
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
pub fn clone_process(request: &CloneRequest) -> Result<u64, i64> {
    let flags = request.flags;
    if flags & !PROCESS_FLAGS != 0 || (flags & CLONE_VM != 0 && flags & CLONE_VFORK == 0) {
        return Err(EINVAL);
    }
    request.check_addresses()?;
    fork(request)
}

/// The stack a clone's child must continue on, once (the full-frame path applies it).
pub fn take_child_stack() -> Option<u64> {
    // SAFETY: one vCPU; set by `fork` in the child and taken by the same call's return path.
    let stack = unsafe { core::mem::replace(&mut *core::ptr::addr_of_mut!(CHILD_STACK), 0) };
    if stack != 0 { Some(stack) } else { None }
}

/// fork(2) and vfork(2), and the process clones: the host copies the VM; returns the child's
/// pid in the parent and 0 in the child. vfork has fork's semantics here: the parent does not
/// wait for the child's execve or exit, and the child has its own copy of memory (programs
/// that follow vfork's rules cannot tell). The request's addresses have been checked
/// (`CloneRequest::check_addresses`): the tid writes below cannot fail once the child exists.
pub fn fork(request: &CloneRequest) -> Result<u64, i64> {
    let flags = request.flags;
    // Both processes start from the file as it is: neither writes back the other's bytes.
    file_mappings::write_back_all();
    let child = hypercall::call(forwarded::FORK, [0; 6]);
    if child < 0 {
        return Err(-child);
    }
    if child > 0 {
        children::forked();
        if flags & CLONE_PARENT_SETTID != 0 {
            user::write(request.parent_tid, &(child as u32))?;
        }
        return Ok(child as u64);
    }
    // The child: a copy of the parent, which goes on from here with only this thread.
    task::forget_other_threads();
    signal::after_fork();
    children::after_fork();
    learn_identity();
    let pid = pid();
    if flags & CLONE_PARENT_SETTID != 0 {
        user::write(request.parent_tid, &(pid as u32))?;
    }
    if flags & CLONE_CHILD_SETTID != 0 {
        user::write(request.child_tid, &(pid as u32))?;
    }
    task::with_scheduler(|s| {
        let thread = s.current();
        if flags & CLONE_CHILD_CLEARTID != 0 {
            thread.clear_child_tid = request.child_tid;
        }
    });
    if flags & CLONE_SETTLS != 0 {
        task::set_segment_base(true, request.tls);
        // SAFETY: a user-space base (`check_addresses`); the kernel itself does not use FS.
        unsafe { cpu::wrmsr(IA32_FS_BASE, request.tls) };
    }
    // SAFETY: see `take_child_stack`.
    unsafe { CHILD_STACK = request.stack };
    Ok(0)
}

/// execve(2): stages the path and the argv and envp strings in the I/O buffer and asks the
/// host to replace this process's image. Returns only on failure.
pub fn execve(path: u64, argv: u64, envp: u64) -> Result<u64, i64> {
    // A successful execve drops the mappings without a return (the host closes their fds).
    file_mappings::write_back_all();
    let info = boot_info::get();
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
    let status = hypercall::call(forwarded::EXECVE, [io, io + PATH_MAX as u64, used as u64, argc, envc, 0]);
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
            if errno == ENAMETOOLONG { E2BIG } else { errno }
        })?;
        *used += length + 1;
        count += 1;
    }
}

