//! System calls: the SYSCALL entry, and one table of Linux x86-64 call numbers saying where
//! each is handled (in the guest, forwarded to the host, or rewritten onto another call the
//! host implements). Numbers not in the table return -ENOSYS and are counted.

use crate::arch::cpu::{self, IA32_FS_BASE, IA32_GS_BASE};
use crate::arch::cell::KernelCell;
use crate::abi::errno::{EFAULT, EINVAL, ENODEV, ENOSYS, EPERM};
use crate::abi::nr;
use crate::proc::process::{GROUP_ID, USER_ID};
use crate::fs;
use crate::proc::signal;
use crate::proc::spawn;
use crate::proc::task;
use crate::poll;
use crate::net;
use crate::arch::trap_frame::{LeanFrame, TrapFrame};
use crate::host::clock;
use crate::proc::process::with_process;
use crate::mm::global::with_memory;
use crate::mm::memory::{MAP_ANONYMOUS, MAP_SHARED};

/// MAP_SHARED_VALIDATE: MAP_SHARED that rejects unknown flags (both bits of the type field).
const MAP_SHARED_VALIDATE: u64 = 0x03;
use crate::proc::process::{Rlimit, SigAction};
use crate::abi::linux::{Timespec, NANOS_PER_SECOND};
use crate::mm::user;


type Args = [u64; 6];
type Handler = fn(&Args) -> i64;

/// Where a call is served.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Served {
    /// Entirely in the guest kernel.
    Guest,
    /// Forwarded to the host as the same call.
    Host,
    /// Forwarded to the host as another call (named in the note).
    Rewritten(&'static str),
}

pub struct Syscall {
    pub nr: u64,
    pub name: &'static str,
    pub served: Served,
    pub handler: Handler,
}

const fn guest(nr: u64, name: &'static str, handler: Handler) -> Syscall {
    Syscall { nr, name, served: Served::Guest, handler }
}
const fn host(nr: u64, name: &'static str, handler: Handler) -> Syscall {
    Syscall { nr, name, served: Served::Host, handler }
}
const fn rewritten(nr: u64, name: &'static str, onto: &'static str, handler: Handler) -> Syscall {
    Syscall { nr, name, served: Served::Rewritten(onto), handler }
}

/// Calls that may create, block, end or switch threads (task.rs): they need the caller's full
/// register frame, so the lean entry path of idt.rs hands them to the full one, and
/// `task::after_call` runs after them.
const SWITCHING: &[u64] = &[
    nr::CLONE,
    nr::CLONE3,
    nr::EXIT,
    nr::FUTEX,
    nr::SCHED_YIELD,
    nr::NANOSLEEP,
    nr::CLOCK_NANOSLEEP,
    nr::POLL,
    nr::PPOLL,
    nr::SELECT,
    nr::PSELECT6,
    // Signals: a signal sent to the caller, or a wait for one, is delivered on the way out.
    nr::KILL,
    nr::TKILL,
    nr::TGKILL,
    nr::PAUSE,
    nr::RT_SIGSUSPEND,
    nr::RT_SIGTIMEDWAIT,
    nr::RT_SIGRETURN,
    // sigaltstack tells whether the caller runs on the alternate stack (`caller_rsp`).
    nr::SIGALTSTACK,
];

/// Every system call the kernel implements.
pub static SYSCALLS: &[Syscall] = &[
    host(nr::READ, "read", fs::sys_read),
    host(nr::WRITE, "write", spawn::sys_write),
    rewritten(nr::OPEN, "open", "openat", fs::sys_open),
    host(nr::CLOSE, "close", fs::sys_close),
    rewritten(nr::STAT, "stat", "newfstatat", fs::sys_stat),
    rewritten(nr::FSTAT, "fstat", "newfstatat(AT_EMPTY_PATH)", fs::sys_fstat),
    rewritten(nr::LSTAT, "lstat", "newfstatat(AT_SYMLINK_NOFOLLOW)", fs::sys_lstat),
    host(nr::POLL, "poll", poll::sys_poll),
    host(nr::LSEEK, "lseek", fs::sys_lseek),
    guest(nr::MMAP, "mmap", sys_mmap),
    guest(nr::MPROTECT, "mprotect", sys_mprotect),
    guest(nr::MUNMAP, "munmap", sys_munmap),
    guest(nr::BRK, "brk", sys_brk),
    guest(nr::RT_SIGACTION, "rt_sigaction", sys_rt_sigaction),
    guest(nr::RT_SIGPROCMASK, "rt_sigprocmask", signal::sys_rt_sigprocmask),
    // rt_sigreturn needs the whole register frame: `dispatch` runs it before the table.
    guest(nr::RT_SIGRETURN, "rt_sigreturn", sys_rt_sigreturn),
    guest(nr::RT_SIGPENDING, "rt_sigpending", signal::sys_rt_sigpending),
    guest(nr::RT_SIGSUSPEND, "rt_sigsuspend", signal::sys_rt_sigsuspend),
    guest(nr::RT_SIGTIMEDWAIT, "rt_sigtimedwait", signal::sys_rt_sigtimedwait),
    guest(nr::PAUSE, "pause", signal::sys_pause),
    guest(nr::ALARM, "alarm", signal::sys_alarm),
    guest(nr::SETITIMER, "setitimer", signal::sys_setitimer),
    guest(nr::GETITIMER, "getitimer", signal::sys_getitimer),
    guest(nr::TKILL, "tkill", signal::sys_tkill),
    guest(nr::TGKILL, "tgkill", signal::sys_tgkill),
    host(nr::IOCTL, "ioctl", fs::sys_ioctl),
    host(nr::PREAD64, "pread64", fs::sys_pread64),
    host(nr::PWRITE64, "pwrite64", fs::sys_pwrite64),
    rewritten(nr::READV, "readv", "read", fs::sys_readv),
    rewritten(nr::WRITEV, "writev", "write", spawn::sys_writev),
    rewritten(nr::ACCESS, "access", "faccessat", fs::sys_access),
    // select and pselect6 check each fd with fcntl(F_GETFD); when nothing is ready the
    // thread waits in the scheduler (task.rs) and the vCPU sleeps on the host only while no
    // thread can run, as for the sleeps. (The notes are literals: the docs are generated
    // from this text.)
    rewritten(nr::SELECT, "select", "fcntl(F_GETFD) per fd, nanosleep when no thread can run", poll::sys_select),
    guest(nr::SCHED_YIELD, "sched_yield", task::sys_sched_yield),
    guest(nr::MREMAP, "mremap", sys_mremap),
    guest(nr::MADVISE, "madvise", sys_madvise),
    host(nr::DUP, "dup", fs::sys_dup),
    rewritten(nr::DUP2, "dup2", "dup3", fs::sys_dup2),
    rewritten(nr::NANOSLEEP, "nanosleep", "nanosleep when no thread can run", fs::sys_nanosleep),
    guest(nr::GETPID, "getpid", sys_getpid),
    host(nr::SOCKET, "socket", net::sys_socket),
    host(nr::CONNECT, "connect", net::sys_connect),
    host(nr::SHUTDOWN, "shutdown", net::sys_shutdown),
    host(nr::BIND, "bind", net::sys_bind),
    host(nr::LISTEN, "listen", net::sys_listen),
    guest(nr::CLONE, "clone", task::sys_clone),
    guest(nr::EXIT, "exit", task::sys_exit),
    guest(nr::UNAME, "uname", sys_uname),
    host(nr::FCNTL, "fcntl", fs::sys_fcntl),
    host(nr::FSYNC, "fsync", fs::sys_fsync),
    rewritten(nr::FDATASYNC, "fdatasync", "fsync", fs::sys_fsync),
    host(nr::FTRUNCATE, "ftruncate", fs::sys_ftruncate),
    host(nr::GETCWD, "getcwd", fs::sys_getcwd),
    host(nr::CHDIR, "chdir", fs::sys_chdir),
    host(nr::FCHDIR, "fchdir", fs::sys_fchdir),
    rewritten(nr::RENAME, "rename", "renameat2", fs::sys_rename),
    rewritten(nr::MKDIR, "mkdir", "mkdirat", fs::sys_mkdir),
    rewritten(nr::RMDIR, "rmdir", "unlinkat(AT_REMOVEDIR)", fs::sys_rmdir),
    rewritten(nr::CREAT, "creat", "openat", fs::sys_creat),
    rewritten(nr::UNLINK, "unlink", "unlinkat", fs::sys_unlink),
    rewritten(nr::READLINK, "readlink", "readlinkat", fs::sys_readlink),
    guest(nr::UMASK, "umask", sys_umask),
    host(nr::STATFS, "statfs", fs::sys_statfs),
    host(nr::FSTATFS, "fstatfs", fs::sys_fstatfs),
    guest(nr::MKNOD, "mknod", fs::sys_mknod),
    guest(nr::MKNODAT, "mknodat", fs::sys_mknod),
    guest(nr::GETTIMEOFDAY, "gettimeofday", sys_gettimeofday),
    guest(nr::GETRLIMIT, "getrlimit", sys_getrlimit),
    guest(nr::GETUID, "getuid", sys_getuid),
    guest(nr::GETGID, "getgid", sys_getgid),
    guest(nr::GETEUID, "geteuid", sys_getuid),
    guest(nr::GETEGID, "getegid", sys_getgid),
    guest(nr::GETPPID, "getppid", sys_getppid),
    guest(nr::GETRUSAGE, "getrusage", task::sys_getrusage),
    guest(nr::SYSINFO, "sysinfo", task::sys_sysinfo),
    guest(nr::TIMES, "times", task::sys_times),
    guest(nr::SETUID, "setuid", task::sys_set_own_id),
    guest(nr::SETGID, "setgid", task::sys_set_own_id),
    guest(nr::GETPGRP, "getpgrp", task::sys_getpgrp),
    guest(nr::GETGROUPS, "getgroups", task::sys_getgroups),
    guest(nr::GETRESUID, "getresuid", task::sys_getresuid),
    guest(nr::GETRESGID, "getresgid", task::sys_getresgid),
    guest(nr::GETPGID, "getpgid", task::sys_getpgid),
    guest(nr::GETSID, "getsid", task::sys_getpgid),
    guest(nr::SIGALTSTACK, "sigaltstack", task::sys_sigaltstack),
    guest(nr::FUTEX, "futex", task::sys_futex),
    guest(nr::SCHED_SETAFFINITY, "sched_setaffinity", task::sys_sched_setaffinity),
    guest(nr::SCHED_GETAFFINITY, "sched_getaffinity", task::sys_sched_getaffinity),
    rewritten(nr::CHMOD, "chmod", "fchmodat", fs::sys_chmod),
    host(nr::FCHMODAT, "fchmodat", fs::sys_fchmodat),
    host(nr::UTIMENSAT, "utimensat", fs::sys_utimensat),
    rewritten(nr::FCHMOD, "fchmod", "fchmodat(AT_EMPTY_PATH)", fs::sys_fchmod),
    host(nr::SYMLINKAT, "symlinkat", fs::sys_symlinkat),
    rewritten(nr::SYMLINK, "symlink", "symlinkat", fs::sys_symlink),
    host(nr::LINKAT, "linkat", fs::sys_linkat),
    rewritten(nr::LINK, "link", "linkat", fs::sys_link),
    rewritten(nr::SENDFILE, "sendfile", "read or pread64, write", fs::sys_sendfile),
    rewritten(nr::FCHOWNAT, "fchownat", "newfstatat (EPERM unless nothing changes)", fs::sys_fchownat),
    rewritten(nr::CHOWN, "chown", "newfstatat (EPERM unless nothing changes)", fs::sys_chown),
    rewritten(nr::LCHOWN, "lchown", "newfstatat (EPERM unless nothing changes)", fs::sys_lchown),
    rewritten(nr::FCHOWN, "fchown", "newfstatat (EPERM unless nothing changes)", fs::sys_fchown),
    rewritten(nr::STATX, "statx", "newfstatat", fs::sys_statx),
    guest(nr::SETXATTR, "setxattr", fs::sys_no_xattrs),
    guest(nr::LSETXATTR, "lsetxattr", fs::sys_no_xattrs),
    guest(nr::FSETXATTR, "fsetxattr", fs::sys_no_xattrs),
    guest(nr::GETXATTR, "getxattr", fs::sys_no_xattrs),
    guest(nr::LGETXATTR, "lgetxattr", fs::sys_no_xattrs),
    guest(nr::FGETXATTR, "fgetxattr", fs::sys_no_xattrs),
    guest(nr::LISTXATTR, "listxattr", fs::sys_no_xattrs),
    guest(nr::LLISTXATTR, "llistxattr", fs::sys_no_xattrs),
    guest(nr::FLISTXATTR, "flistxattr", fs::sys_no_xattrs),
    guest(nr::REMOVEXATTR, "removexattr", fs::sys_no_xattrs),
    guest(nr::LREMOVEXATTR, "lremovexattr", fs::sys_no_xattrs),
    guest(nr::FREMOVEXATTR, "fremovexattr", fs::sys_no_xattrs),
    guest(nr::ARCH_PRCTL, "arch_prctl", sys_arch_prctl),
    guest(nr::SETRLIMIT, "setrlimit", sys_setrlimit),
    guest(nr::GETTID, "gettid", task::sys_gettid),
    guest(nr::TIME, "time", sys_time),
    host(nr::GETDENTS64, "getdents64", fs::sys_getdents64),
    guest(nr::SET_TID_ADDRESS, "set_tid_address", task::sys_set_tid_address),
    guest(nr::CLOCK_SETTIME, "clock_settime", sys_clock_settime),
    guest(nr::CLOCK_GETTIME, "clock_gettime", sys_clock_gettime),
    guest(nr::CLOCK_GETRES, "clock_getres", sys_clock_getres),
    rewritten(nr::CLOCK_NANOSLEEP, "clock_nanosleep", "nanosleep when no thread can run", fs::sys_clock_nanosleep),
    guest(nr::EXIT_GROUP, "exit_group", task::sys_exit_group),
    host(nr::OPENAT, "openat", fs::sys_openat),
    host(nr::MKDIRAT, "mkdirat", fs::sys_mkdirat),
    host(nr::NEWFSTATAT, "newfstatat", fs::sys_newfstatat),
    host(nr::UNLINKAT, "unlinkat", fs::sys_unlinkat),
    rewritten(nr::RENAMEAT, "renameat", "renameat2", fs::sys_renameat),
    host(nr::READLINKAT, "readlinkat", fs::sys_readlinkat),
    host(nr::FACCESSAT, "faccessat", fs::sys_faccessat),
    rewritten(nr::PSELECT6, "pselect6", "fcntl(F_GETFD) per fd, nanosleep when no thread can run", poll::sys_pselect6),
    rewritten(nr::PPOLL, "ppoll", "poll", poll::sys_ppoll),
    guest(nr::SET_ROBUST_LIST, "set_robust_list", task::sys_set_robust_list),
    guest(nr::GET_ROBUST_LIST, "get_robust_list", task::sys_get_robust_list),
    host(nr::DUP3, "dup3", fs::sys_dup3),
    guest(nr::PRLIMIT64, "prlimit64", sys_prlimit64),
    host(nr::RENAMEAT2, "renameat2", fs::sys_renameat2),
    host(nr::GETRANDOM, "getrandom", fs::sys_getrandom),
    guest(nr::CLONE3, "clone3", task::sys_clone3),
    rewritten(nr::FACCESSAT2, "faccessat2", "faccessat (flags in args[3])", fs::sys_faccessat2),
    rewritten(nr::ACCEPT, "accept", "accept4", net::sys_accept),
    host(nr::ACCEPT4, "accept4", net::sys_accept4),
    host(nr::SENDTO, "sendto", net::sys_sendto),
    host(nr::RECVFROM, "recvfrom", net::sys_recvfrom),
    rewritten(nr::SENDMSG, "sendmsg", "sendto", net::sys_sendmsg),
    rewritten(nr::RECVMSG, "recvmsg", "recvfrom", net::sys_recvmsg),
    host(nr::GETSOCKNAME, "getsockname", net::sys_getsockname),
    host(nr::GETPEERNAME, "getpeername", net::sys_getpeername),
    host(nr::SETSOCKOPT, "setsockopt", net::sys_setsockopt),
    host(nr::GETSOCKOPT, "getsockopt", net::sys_getsockopt),
    // Processes and pipes (spawn.rs): each process is a VM of its own, made by the host.
    rewritten(nr::PIPE, "pipe", "pipe2", spawn::sys_pipe),
    host(nr::SOCKETPAIR, "socketpair", spawn::sys_socketpair),
    rewritten(nr::VFORK, "vfork", "fork", spawn::sys_fork),
    host(nr::FORK, "fork", spawn::sys_fork),
    host(nr::EXECVE, "execve", spawn::sys_execve),
    rewritten(nr::EXECVEAT, "execveat", "execve", spawn::sys_execveat),
    host(nr::WAIT4, "wait4", spawn::sys_wait4),
    host(nr::WAITID, "waitid", spawn::sys_waitid),
    host(nr::KILL, "kill", signal::sys_kill),
    host(nr::PIPE2, "pipe2", spawn::sys_pipe2),
];

/// Highest call number the dispatch index covers (Linux x86-64 numbers are below 512).
const MAX_NR: usize = 512;
/// `SYSCALLS` position + 1 for each call number (0: not implemented), with `FULL_FRAME` set
/// for the `SWITCHING` calls, built by the compiler: filling it at boot took about 0.7 ms of
/// emulated instructions under PVM on every run.
static INDEX: [u16; MAX_NR] = index_of(SYSCALLS, SWITCHING);

/// Flag in an `INDEX` entry: the call needs the full register frame.
const FULL_FRAME: u16 = 0x8000;

const fn index_of(calls: &[Syscall], switching: &[u64]) -> [u16; MAX_NR] {
    let mut index = [0u16; MAX_NR];
    let mut position = 0;
    while position < calls.len() {
        let nr = calls[position].nr as usize;
        assert!(nr < MAX_NR && index[nr] == 0, "a call number above MAX_NR or listed twice");
        index[nr] = position as u16 + 1;
        position += 1;
    }
    let mut i = 0;
    while i < switching.len() {
        let nr = switching[i] as usize;
        assert!(index[nr] != 0, "a switching call missing from the table");
        index[nr] |= FULL_FRAME;
        i += 1;
    }
    index
}

/// Runs the system call described by `frame` and puts the result in its RAX; after a
/// switching call, `frame` may hold another thread's registers. On the way out a pending
/// signal may turn `frame` into a call of its handler (signal.rs).
pub fn dispatch(frame: &mut TrapFrame) {
    // SAFETY: one vCPU, interrupts off; only `caller_rsp` reads the cell.
    unsafe { *CALLER_RSP.get() = frame.rsp };
    if frame.rax == nr::RT_SIGRETURN {
        signal::sigreturn(frame);
    } else {
        let entry = lookup(frame.rax);
        frame.rax = serve(entry, frame.rax, frame.syscall_args()) as u64;
        if entry & FULL_FRAME != 0 {
            task::after_call(frame);
        }
    }
    if signal::attention() {
        signal::deliver(frame);
    }
}

/// The user stack pointer of the call being served on the full path (sigaltstack's SS_ONSTACK).
static CALLER_RSP: KernelCell<u64> = KernelCell::new(0);

pub fn caller_rsp() -> u64 {
    // SAFETY: see `dispatch`.
    unsafe { *CALLER_RSP.as_ptr() }
}

/// The table's entry for rt_sigreturn: never reached, since `dispatch` runs the call with the
/// frame and the lean path hands it over; a call that did get here would find no frame.
fn sys_rt_sigreturn(_: &Args) -> i64 {
    -EFAULT
}

/// Runs the system call saved by the lean path of `idt`: a user-mode SYSCALL that arrived
/// as a page fault at LSTAR under PVM. Returns true, without running it, for a call that
/// needs the full frame: the entry code then saves it and goes to `dispatch`.
#[unsafe(no_mangle)]
pub extern "C" fn dispatch_lean(frame: &mut LeanFrame) -> bool {
    let entry = lookup(frame.rax);
    if entry & FULL_FRAME != 0 && !(frame.rax == nr::FUTEX && task::futex_never_blocks(&frame.args)) {
        return true;
    }
    // Signals are delivered on the full path only.
    if signal::attention() {
        return true;
    }
    frame.rax = serve(entry, frame.rax, &frame.args) as u64;
    false
}

fn lookup(number: u64) -> u16 {
    if (number as usize) < MAX_NR { INDEX[number as usize] } else { 0 }
}

/// Runs system call `number` (its `INDEX` entry) and returns its result (a value or `-errno`).
fn serve(entry: u16, number: u64, args: &Args) -> i64 {
    let position = entry & !FULL_FRAME;
    if position == 0 {
        crate::host::exit::record_enosys(number);
        -ENOSYS
    } else {
        (SYSCALLS[position as usize - 1].handler)(args)
    }
}

fn result(r: Result<u64, i64>) -> i64 {
    match r {
        Ok(value) => value as i64,
        Err(errno) => -errno,
    }
}

fn sys_brk(a: &Args) -> i64 {
    with_memory(|mem, mmu| mem.brk(mmu, a[0])) as i64
}

fn sys_mmap(a: &Args) -> i64 {
    let (addr, len, prot, flags) = (a[0], a[1], a[2], a[3]);
    if flags & MAP_ANONYMOUS == 0 {
        // Writes to a shared writable mapping would have to reach the file: not supported,
        // with the error Linux gives for files that cannot be mapped so.
        if flags & MAP_SHARED != 0 && prot & crate::mm::vma::PROT_WRITE as u64 != 0 {
            return -ENODEV;
        }
        let (fd, offset) = (a[4], a[5]);
        let private = (flags & !MAP_SHARED_VALIDATE) | crate::mm::memory::MAP_PRIVATE;
        let mut read = |_: &mut crate::mm::global::DirectMap, gpa, len, at| crate::host::calls::read_file_into(fd, gpa, len, at);
        return result(with_memory(|mem, mmu| mem.mmap_file(mmu, (addr, len, prot, private), offset, &mut read)));
    }
    // A shared anonymous mapping behaves like a private one while there is one process.
    let flags = if flags & MAP_SHARED != 0 { (flags & !MAP_SHARED) | crate::mm::memory::MAP_PRIVATE } else { flags };
    result(with_memory(|mem, mmu| mem.mmap(mmu, addr, len, prot, flags)))
}

fn sys_mremap(a: &Args) -> i64 {
    result(with_memory(|mem, mmu| mem.mremap(mmu, a[0], a[1], a[2], a[3], a[4])))
}

fn sys_munmap(a: &Args) -> i64 {
    result(with_memory(|mem, mmu| mem.munmap(mmu, a[0], a[1])))
}

fn sys_mprotect(a: &Args) -> i64 {
    result(with_memory(|mem, mmu| mem.mprotect(mmu, a[0], a[1], a[2])))
}

fn sys_madvise(a: &Args) -> i64 {
    result(with_memory(|mem, mmu| mem.madvise(mmu, a[0], a[1], a[2])))
}

fn sys_getpid(a: &Args) -> i64 {
    crate::proc::spawn::sys_getpid(a)
}
fn sys_getppid(a: &Args) -> i64 {
    crate::proc::spawn::sys_getppid(a)
}
fn sys_getuid(_: &Args) -> i64 {
    USER_ID as i64
}
fn sys_getgid(_: &Args) -> i64 {
    GROUP_ID as i64
}

fn sys_umask(a: &Args) -> i64 {
    with_process(|p| core::mem::replace(&mut p.umask, a[0] & 0o777)) as i64
}

fn sys_arch_prctl(a: &Args) -> i64 {
    const ARCH_SET_GS: u64 = 0x1001;
    const ARCH_SET_FS: u64 = 0x1002;
    const ARCH_GET_FS: u64 = 0x1003;
    const ARCH_GET_GS: u64 = 0x1004;
    let (code, addr) = (a[0], a[1]);
    match code {
        ARCH_SET_FS | ARCH_SET_GS => {
            // Linux refuses bases outside user space.
            if addr >= crate::abi::host::USER_TOP {
                return -EPERM;
            }
            let msr = if code == ARCH_SET_FS { IA32_FS_BASE } else { IA32_GS_BASE };
            task::set_segment_base(code == ARCH_SET_FS, addr);
            // SAFETY: a user-space base for FS/GS; the kernel itself uses neither segment.
            unsafe { cpu::wrmsr(msr, addr) };
            0
        }
        ARCH_GET_FS | ARCH_GET_GS => {
            let value = task::segment_base(code == ARCH_GET_FS);
            result(user::write(addr, &value).map(|_| 0))
        }
        _ => -EINVAL,
    }
}

fn sys_uname(a: &Args) -> i64 {
    let mut uts = [0u8; 6 * 65];
    let fields: [&[u8]; 6] = [b"Linux", b"nanvix", b"6.1.0", b"#1 SMP nanvix", b"x86_64", b"(none)"];
    for (i, field) in fields.iter().enumerate() {
        uts[i * 65..i * 65 + field.len()].copy_from_slice(field);
    }
    result(user::write(a[0], &uts).map(|_| 0))
}

fn now(clock_id: u64) -> Result<u64, i64> {
    clock::read(clock_id)
}

/// Any clock: the CPU-time ones come from the scheduler's accounting (task.rs).
fn read_clock(clock_id: u64) -> Result<u64, i64> {
    if task::is_cpu_clock(clock_id) { task::cpu_clock_ns(clock_id) } else { now(clock_id) }
}

fn sys_clock_gettime(a: &Args) -> i64 {
    result(read_clock(a[0]).and_then(|ns| user::write(a[1], &Timespec::from_ns(ns))).map(|_| 0))
}

/// clock_settime(2): the program may not set the time (EPERM, as for a process without
/// CAP_SYS_TIME); only CLOCK_REALTIME can be set at all (EINVAL for the others).
fn sys_clock_settime(a: &Args) -> i64 {
    let run = || -> Result<u64, i64> {
        user::read::<Timespec>(a[1])?.to_ns()?;
        if a[0] != crate::abi::linux::CLOCK_REALTIME {
            return Err(EINVAL);
        }
        Err(EPERM)
    };
    result(run())
}

fn sys_clock_getres(a: &Args) -> i64 {
    let resolution = if task::is_cpu_clock(a[0]) { task::cpu_clock_ns(a[0]).map(|_| 1) } else { clock::get().resolution(a[0]) };
    result(resolution.and_then(|ns| if a[1] == 0 { Ok(()) } else { user::write(a[1], &Timespec::from_ns(ns)) }).map(|_| 0))
}

fn sys_gettimeofday(a: &Args) -> i64 {
    let ns = now(crate::abi::linux::CLOCK_REALTIME).unwrap_or(0);
    if a[0] != 0 {
        let tv = [ns / NANOS_PER_SECOND, (ns % NANOS_PER_SECOND) / 1000];
        if user::write(a[0], &tv).is_err() {
            return -EFAULT;
        }
    }
    if a[1] != 0 && user::write(a[1], &[0u32; 2]).is_err() {
        return -EFAULT;
    }
    0
}

fn sys_time(a: &Args) -> i64 {
    let seconds = now(crate::abi::linux::CLOCK_REALTIME).unwrap_or(0) / NANOS_PER_SECOND;
    if a[0] != 0 && user::write(a[0], &seconds).is_err() {
        return -EFAULT;
    }
    seconds as i64
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

fn sys_prlimit64(a: &Args) -> i64 {
    // Only this process exists: pid 0 or our own.
    if a[0] != 0 && a[0] != spawn::pid() {
        return -crate::abi::errno::EPERM;
    }
    result(prlimit(a[1], a[2], a[3]))
}

fn sys_getrlimit(a: &Args) -> i64 {
    result(prlimit(a[0], 0, a[1]))
}

fn sys_setrlimit(a: &Args) -> i64 {
    result(prlimit(a[0], a[1], 0))
}

fn sys_rt_sigaction(a: &Args) -> i64 {
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
