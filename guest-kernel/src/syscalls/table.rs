//! One table of Linux x86-64 call numbers saying where each is handled (in the guest,
//! forwarded to the host, or rewritten onto another call the host implements) and by which
//! handler, and the index the dispatcher finds them by. Numbers not in the table return
//! -ENOSYS and are counted. SyscallsDocTest (syscall-interpose) reads `SYSCALLS` as text to
//! generate docs/syscalls.md: write each entry as `guest|host|rewritten(nr::X, "x", ["note",]
//! handler)`, the note a string literal.

#[cfg(not(test))]
use crate::abi::nr;
use crate::syscalls::Args;
#[cfg(not(test))]
use crate::syscalls::{epoll, fs, identity, mman, net, poll, process, signal, system, thread, time};

/// A handler: the call's arguments in, its value or `-errno` out.
pub type Handler = fn(&Args) -> i64;

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

#[cfg(not(test))]
const fn guest(nr: u64, name: &'static str, handler: Handler) -> Syscall {
    Syscall { nr, name, served: Served::Guest, handler }
}
#[cfg(not(test))]
const fn host(nr: u64, name: &'static str, handler: Handler) -> Syscall {
    Syscall { nr, name, served: Served::Host, handler }
}
#[cfg(not(test))]
const fn rewritten(nr: u64, name: &'static str, onto: &'static str, handler: Handler) -> Syscall {
    Syscall { nr, name, served: Served::Rewritten(onto), handler }
}

/// Calls that may create, block, end or switch threads (proc/task.rs): they need the caller's
/// full register frame, so the lean entry path (arch/x86_64/entry.rs) hands them to the full
/// one, and `task::after_call` runs after them.
#[cfg(not(test))]
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
    nr::EPOLL_WAIT,
    nr::EPOLL_PWAIT,
    nr::EPOLL_PWAIT2,
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

/// Calls that may wait on the host for an fd (a pipe or socket with no data, or no room): while
/// the program has more than one thread or an alarm armed (`task::may_park`) they take the full
/// path too, so that the caller can be parked (`task::park_on_fd`) and others run meanwhile.
#[cfg(not(test))]
const PARKING: &[u64] = &[nr::READ, nr::READV, nr::WRITE, nr::WRITEV, nr::RECVFROM, nr::SENDTO, nr::ACCEPT, nr::ACCEPT4];

/// Every system call the kernel implements.
#[cfg(not(test))]
pub static SYSCALLS: &[Syscall] = &[
    host(nr::READ, "read", fs::sys_read),
    host(nr::WRITE, "write", fs::sys_write),
    rewritten(nr::OPEN, "open", "openat", fs::sys_open),
    host(nr::CLOSE, "close", fs::sys_close),
    rewritten(nr::STAT, "stat", "newfstatat", fs::sys_stat),
    rewritten(nr::FSTAT, "fstat", "newfstatat(AT_EMPTY_PATH)", fs::sys_fstat),
    rewritten(nr::LSTAT, "lstat", "newfstatat(AT_SYMLINK_NOFOLLOW)", fs::sys_lstat),
    host(nr::POLL, "poll", poll::sys_poll),
    host(nr::LSEEK, "lseek", fs::sys_lseek),
    guest(nr::MMAP, "mmap", mman::sys_mmap),
    guest(nr::MPROTECT, "mprotect", mman::sys_mprotect),
    guest(nr::MUNMAP, "munmap", mman::sys_munmap),
    guest(nr::BRK, "brk", mman::sys_brk),
    guest(nr::RT_SIGACTION, "rt_sigaction", signal::sys_rt_sigaction),
    guest(nr::RT_SIGPROCMASK, "rt_sigprocmask", signal::sys_rt_sigprocmask),
    // rt_sigreturn needs the whole register frame: `dispatch` runs it before the table.
    guest(nr::RT_SIGRETURN, "rt_sigreturn", signal::sys_rt_sigreturn),
    guest(nr::RT_SIGPENDING, "rt_sigpending", signal::sys_rt_sigpending),
    guest(nr::RT_SIGSUSPEND, "rt_sigsuspend", signal::sys_rt_sigsuspend),
    guest(nr::RT_SIGTIMEDWAIT, "rt_sigtimedwait", signal::sys_rt_sigtimedwait),
    guest(nr::PAUSE, "pause", signal::sys_pause),
    guest(nr::ALARM, "alarm", time::sys_alarm),
    guest(nr::SETITIMER, "setitimer", time::sys_setitimer),
    guest(nr::GETITIMER, "getitimer", time::sys_getitimer),
    guest(nr::TKILL, "tkill", signal::sys_tkill),
    guest(nr::TGKILL, "tgkill", signal::sys_tgkill),
    host(nr::IOCTL, "ioctl", fs::sys_ioctl),
    host(nr::PREAD64, "pread64", fs::sys_pread64),
    host(nr::PWRITE64, "pwrite64", fs::sys_pwrite64),
    host(nr::READV, "readv", fs::sys_readv),
    host(nr::WRITEV, "writev", fs::sys_writev),
    rewritten(nr::ACCESS, "access", "faccessat", fs::sys_access),
    // select and pselect6 ask the host's poll about the fds their sets name; when no fd is named,
    // or other threads could run and nothing is ready, the thread waits in the scheduler (proc/task.rs) and the vCPU sleeps on the host only while no
    // thread can run, as for the sleeps. (The notes are literals: the docs are generated
    // from this text.)
    rewritten(nr::SELECT, "select", "poll of the named fds, nanosleep when no thread can run", poll::sys_select),
    guest(nr::SCHED_YIELD, "sched_yield", thread::sys_sched_yield),
    guest(nr::MREMAP, "mremap", mman::sys_mremap),
    guest(nr::MSYNC, "msync", mman::sys_msync),
    guest(nr::MADVISE, "madvise", mman::sys_madvise),
    host(nr::DUP, "dup", fs::sys_dup),
    rewritten(nr::DUP2, "dup2", "dup3", fs::sys_dup2),
    rewritten(nr::NANOSLEEP, "nanosleep", "nanosleep when no thread can run", time::sys_nanosleep),
    guest(nr::GETPID, "getpid", identity::sys_getpid),
    host(nr::SOCKET, "socket", net::sys_socket),
    host(nr::CONNECT, "connect", net::sys_connect),
    host(nr::SHUTDOWN, "shutdown", net::sys_shutdown),
    host(nr::BIND, "bind", net::sys_bind),
    host(nr::LISTEN, "listen", net::sys_listen),
    guest(nr::CLONE, "clone", thread::sys_clone),
    guest(nr::EXIT, "exit", thread::sys_exit),
    guest(nr::UNAME, "uname", system::sys_uname),
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
    guest(nr::UMASK, "umask", process::sys_umask),
    host(nr::STATFS, "statfs", fs::sys_statfs),
    host(nr::FSTATFS, "fstatfs", fs::sys_fstatfs),
    guest(nr::MKNOD, "mknod", fs::sys_mknod),
    guest(nr::MKNODAT, "mknodat", fs::sys_mknod),
    guest(nr::GETTIMEOFDAY, "gettimeofday", time::sys_gettimeofday),
    guest(nr::GETRLIMIT, "getrlimit", process::sys_getrlimit),
    guest(nr::GETUID, "getuid", identity::sys_getuid),
    guest(nr::GETGID, "getgid", identity::sys_getgid),
    guest(nr::GETEUID, "geteuid", identity::sys_getuid),
    guest(nr::GETEGID, "getegid", identity::sys_getgid),
    guest(nr::GETPPID, "getppid", identity::sys_getppid),
    guest(nr::GETRUSAGE, "getrusage", process::sys_getrusage),
    guest(nr::SYSINFO, "sysinfo", system::sys_sysinfo),
    guest(nr::TIMES, "times", process::sys_times),
    guest(nr::SETUID, "setuid", identity::sys_set_own_id),
    guest(nr::SETGID, "setgid", identity::sys_set_own_id),
    guest(nr::SETREUID, "setreuid", identity::sys_setreuid),
    guest(nr::SETREGID, "setregid", identity::sys_setregid),
    guest(nr::SETRESUID, "setresuid", identity::sys_setresuid),
    guest(nr::SETRESGID, "setresgid", identity::sys_setresgid),
    guest(nr::GETPRIORITY, "getpriority", identity::sys_getpriority),
    guest(nr::SETPRIORITY, "setpriority", identity::sys_setpriority),
    guest(nr::GETPGRP, "getpgrp", identity::sys_getpgrp),
    guest(nr::GETGROUPS, "getgroups", identity::sys_getgroups),
    guest(nr::GETRESUID, "getresuid", identity::sys_getresuid),
    guest(nr::GETRESGID, "getresgid", identity::sys_getresgid),
    guest(nr::GETPGID, "getpgid", identity::sys_getpgid),
    guest(nr::GETSID, "getsid", identity::sys_getpgid),
    guest(nr::SIGALTSTACK, "sigaltstack", signal::sys_sigaltstack),
    guest(nr::FUTEX, "futex", thread::sys_futex),
    guest(nr::SCHED_SETAFFINITY, "sched_setaffinity", thread::sys_sched_setaffinity),
    guest(nr::SCHED_GETAFFINITY, "sched_getaffinity", thread::sys_sched_getaffinity),
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
    guest(nr::ARCH_PRCTL, "arch_prctl", thread::sys_arch_prctl),
    guest(nr::SETRLIMIT, "setrlimit", process::sys_setrlimit),
    guest(nr::GETTID, "gettid", thread::sys_gettid),
    guest(nr::TIME, "time", time::sys_time),
    host(nr::GETDENTS64, "getdents64", fs::sys_getdents64),
    guest(nr::SET_TID_ADDRESS, "set_tid_address", thread::sys_set_tid_address),
    guest(nr::CLOCK_SETTIME, "clock_settime", time::sys_clock_settime),
    guest(nr::CLOCK_GETTIME, "clock_gettime", time::sys_clock_gettime),
    guest(nr::CLOCK_GETRES, "clock_getres", time::sys_clock_getres),
    rewritten(nr::CLOCK_NANOSLEEP, "clock_nanosleep", "nanosleep when no thread can run", time::sys_clock_nanosleep),
    guest(nr::EXIT_GROUP, "exit_group", process::sys_exit_group),
    host(nr::OPENAT, "openat", fs::sys_openat),
    host(nr::MKDIRAT, "mkdirat", fs::sys_mkdirat),
    host(nr::NEWFSTATAT, "newfstatat", fs::sys_newfstatat),
    host(nr::UNLINKAT, "unlinkat", fs::sys_unlinkat),
    rewritten(nr::RENAMEAT, "renameat", "renameat2", fs::sys_renameat),
    host(nr::READLINKAT, "readlinkat", fs::sys_readlinkat),
    host(nr::FACCESSAT, "faccessat", fs::sys_faccessat),
    rewritten(nr::PSELECT6, "pselect6", "poll of the named fds, nanosleep when no thread can run", poll::sys_pselect6),
    rewritten(nr::PPOLL, "ppoll", "poll", poll::sys_ppoll),
    guest(nr::SET_ROBUST_LIST, "set_robust_list", thread::sys_set_robust_list),
    guest(nr::GET_ROBUST_LIST, "get_robust_list", thread::sys_get_robust_list),
    host(nr::DUP3, "dup3", fs::sys_dup3),
    host(nr::PREADV, "preadv", fs::sys_preadv),
    host(nr::PWRITEV, "pwritev", fs::sys_pwritev),
    guest(nr::PRLIMIT64, "prlimit64", process::sys_prlimit64),
    host(nr::RENAMEAT2, "renameat2", fs::sys_renameat2),
    host(nr::GETRANDOM, "getrandom", system::sys_getrandom),
    rewritten(nr::PREADV2, "preadv2", "preadv (readv at offset -1)", fs::sys_preadv2),
    rewritten(nr::PWRITEV2, "pwritev2", "pwritev (writev at offset -1)", fs::sys_pwritev2),
    guest(nr::CLONE3, "clone3", thread::sys_clone3),
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
    // Processes and pipes (proc/spawn.rs): each process is a VM of its own, made by the host.
    rewritten(nr::PIPE, "pipe", "pipe2", fs::sys_pipe),
    host(nr::SOCKETPAIR, "socketpair", net::sys_socketpair),
    rewritten(nr::VFORK, "vfork", "fork", process::sys_fork),
    host(nr::FORK, "fork", process::sys_fork),
    host(nr::EXECVE, "execve", process::sys_execve),
    rewritten(nr::EXECVEAT, "execveat", "execve", process::sys_execveat),
    host(nr::WAIT4, "wait4", process::sys_wait4),
    host(nr::WAITID, "waitid", process::sys_waitid),
    host(nr::KILL, "kill", signal::sys_kill),
    host(nr::PIPE2, "pipe2", fs::sys_pipe2),
    host(nr::EVENTFD2, "eventfd2", fs::sys_eventfd2),
    rewritten(nr::EVENTFD, "eventfd", "eventfd2", fs::sys_eventfd),
    // The host holds the epoll instances; the kernel decides how long it may wait (syscalls/epoll.rs).
    rewritten(nr::EPOLL_CREATE, "epoll_create", "epoll_create1", epoll::sys_epoll_create),
    host(nr::EPOLL_CREATE1, "epoll_create1", epoll::sys_epoll_create1),
    host(nr::EPOLL_CTL, "epoll_ctl", epoll::sys_epoll_ctl),
    host(nr::EPOLL_WAIT, "epoll_wait", epoll::sys_epoll_wait),
    rewritten(nr::EPOLL_PWAIT, "epoll_pwait", "epoll_wait (the signal mask is not applied)", epoll::sys_epoll_wait),
    rewritten(nr::EPOLL_PWAIT2, "epoll_pwait2", "epoll_wait (timeout in ms, rounded up)", epoll::sys_epoll_pwait2),
    host(nr::MEMFD_CREATE, "memfd_create", fs::sys_memfd_create),
];

/// Highest call number the dispatch index covers (Linux x86-64 numbers are below 512).
pub const MAX_NR: usize = 512;
/// `SYSCALLS` position + 1 for each call number (0: not implemented), with `FULL_FRAME` set
/// for the `SWITCHING` calls and `MAY_PARK` for the `PARKING` ones, built by the compiler:
/// filling it at boot took about 0.7 ms of emulated instructions under PVM on every run.
#[cfg(not(test))]
static INDEX: [u16; MAX_NR] = index_of(SYSCALLS, SWITCHING, PARKING);

/// Flag in an `INDEX` entry: the call needs the full register frame.
pub const FULL_FRAME: u16 = 0x8000;
/// Flag in an `INDEX` entry: the call needs the full frame when it may park (`PARKING`).
pub const MAY_PARK: u16 = 0x4000;
/// The `SYSCALLS` position + 1 in an `INDEX` entry.
pub const POSITION: u16 = MAY_PARK - 1;

/// The `INDEX` entry of call `number`: its `SYSCALLS` position + 1 (0: not implemented), with
/// `FULL_FRAME` and `MAY_PARK`.
#[cfg(not(test))]
pub fn lookup(number: u64) -> u16 {
    if (number as usize) < MAX_NR { INDEX[number as usize] } else { 0 }
}

const fn index_of(calls: &[Syscall], switching: &[u64], parking: &[u64]) -> [u16; MAX_NR] {
    let mut index = [0u16; MAX_NR];
    let mut position = 0;
    assert!(calls.len() < POSITION as usize, "more calls than an index entry counts");
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
    let mut i = 0;
    while i < parking.len() {
        let nr = parking[i] as usize;
        assert!(index[nr] != 0, "a parking call missing from the table");
        index[nr] |= MAY_PARK;
        i += 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &Args) -> i64 {
        0
    }

    fn call(nr: u64) -> Syscall {
        Syscall { nr, name: "", served: Served::Guest, handler: none }
    }

    #[test]
    fn indexes_each_call_by_number_and_flags_the_switching_ones() {
        let index = index_of(&[call(3), call(60), call(435)], &[60], &[3]);
        assert_eq!((index[3], index[60], index[435]), (1 | MAY_PARK, 2 | FULL_FRAME, 3));
        assert_eq!(index[3] & POSITION, 1);
        assert_eq!(index.iter().filter(|&&entry| entry != 0).count(), 3, "the rest are not implemented");
    }

    #[test]
    #[should_panic(expected = "listed twice")]
    fn refuses_a_number_listed_twice() {
        index_of(&[call(3), call(3)], &[], &[]);
    }

    #[test]
    #[should_panic(expected = "missing from the table")]
    fn refuses_a_switching_call_the_table_lacks() {
        index_of(&[call(3)], &[60], &[]);
    }
}
