//! The calls the kernel forwards to the host, the only numbers `hypercall::call` accepts: a
//! `Forwarded` can be made only here, so this list is complete by construction. The host
//! declares each of them once (syscall-interpose, `Syscall.java`); ForwardedCallsTest reads
//! this file as text and fails when the two lists differ. Write each entry as
//! `pub const X: Forwarded = Forwarded(nr::X);`.

use crate::abi::nr;

/// A Linux x86-64 call number the host implements (docs/guest-abi.md, "Forwarded system calls").
#[derive(Clone, Copy)]
pub struct Forwarded(u64);

impl Forwarded {
    /// The call's number, for the hypercall page.
    pub const fn number(self) -> u64 {
        self.0
    }
}

pub const READ: Forwarded = Forwarded(nr::READ);
pub const WRITE: Forwarded = Forwarded(nr::WRITE);
pub const CLOSE: Forwarded = Forwarded(nr::CLOSE);
pub const POLL: Forwarded = Forwarded(nr::POLL);
pub const LSEEK: Forwarded = Forwarded(nr::LSEEK);
pub const IOCTL: Forwarded = Forwarded(nr::IOCTL);
pub const PREAD64: Forwarded = Forwarded(nr::PREAD64);
pub const PWRITE64: Forwarded = Forwarded(nr::PWRITE64);
pub const READV: Forwarded = Forwarded(nr::READV);
pub const WRITEV: Forwarded = Forwarded(nr::WRITEV);
pub const DUP: Forwarded = Forwarded(nr::DUP);
pub const NANOSLEEP: Forwarded = Forwarded(nr::NANOSLEEP);
pub const GETPID: Forwarded = Forwarded(nr::GETPID);
pub const SOCKET: Forwarded = Forwarded(nr::SOCKET);
pub const CONNECT: Forwarded = Forwarded(nr::CONNECT);
pub const SENDTO: Forwarded = Forwarded(nr::SENDTO);
pub const RECVFROM: Forwarded = Forwarded(nr::RECVFROM);
pub const SHUTDOWN: Forwarded = Forwarded(nr::SHUTDOWN);
pub const BIND: Forwarded = Forwarded(nr::BIND);
pub const LISTEN: Forwarded = Forwarded(nr::LISTEN);
pub const GETSOCKNAME: Forwarded = Forwarded(nr::GETSOCKNAME);
pub const GETPEERNAME: Forwarded = Forwarded(nr::GETPEERNAME);
pub const SOCKETPAIR: Forwarded = Forwarded(nr::SOCKETPAIR);
pub const SETSOCKOPT: Forwarded = Forwarded(nr::SETSOCKOPT);
pub const GETSOCKOPT: Forwarded = Forwarded(nr::GETSOCKOPT);
pub const FORK: Forwarded = Forwarded(nr::FORK);
pub const EXECVE: Forwarded = Forwarded(nr::EXECVE);
pub const WAIT4: Forwarded = Forwarded(nr::WAIT4);
pub const KILL: Forwarded = Forwarded(nr::KILL);
pub const FCNTL: Forwarded = Forwarded(nr::FCNTL);
pub const FSYNC: Forwarded = Forwarded(nr::FSYNC);
pub const FTRUNCATE: Forwarded = Forwarded(nr::FTRUNCATE);
pub const GETCWD: Forwarded = Forwarded(nr::GETCWD);
pub const CHDIR: Forwarded = Forwarded(nr::CHDIR);
pub const FCHDIR: Forwarded = Forwarded(nr::FCHDIR);
pub const GETPPID: Forwarded = Forwarded(nr::GETPPID);
pub const STATFS: Forwarded = Forwarded(nr::STATFS);
pub const FSTATFS: Forwarded = Forwarded(nr::FSTATFS);
pub const GETDENTS64: Forwarded = Forwarded(nr::GETDENTS64);
pub const WAITID: Forwarded = Forwarded(nr::WAITID);
pub const OPENAT: Forwarded = Forwarded(nr::OPENAT);
pub const MKDIRAT: Forwarded = Forwarded(nr::MKDIRAT);
pub const NEWFSTATAT: Forwarded = Forwarded(nr::NEWFSTATAT);
pub const UNLINKAT: Forwarded = Forwarded(nr::UNLINKAT);
pub const LINKAT: Forwarded = Forwarded(nr::LINKAT);
pub const SYMLINKAT: Forwarded = Forwarded(nr::SYMLINKAT);
pub const READLINKAT: Forwarded = Forwarded(nr::READLINKAT);
pub const FCHMODAT: Forwarded = Forwarded(nr::FCHMODAT);
pub const FACCESSAT: Forwarded = Forwarded(nr::FACCESSAT);
pub const UTIMENSAT: Forwarded = Forwarded(nr::UTIMENSAT);
pub const ACCEPT4: Forwarded = Forwarded(nr::ACCEPT4);
pub const DUP3: Forwarded = Forwarded(nr::DUP3);
pub const PIPE2: Forwarded = Forwarded(nr::PIPE2);
pub const RENAMEAT2: Forwarded = Forwarded(nr::RENAMEAT2);
pub const GETRANDOM: Forwarded = Forwarded(nr::GETRANDOM);
pub const EVENTFD2: Forwarded = Forwarded(nr::EVENTFD2);
pub const MEMFD_CREATE: Forwarded = Forwarded(nr::MEMFD_CREATE);
pub const EPOLL_CREATE1: Forwarded = Forwarded(nr::EPOLL_CREATE1);
pub const EPOLL_CTL: Forwarded = Forwarded(nr::EPOLL_CTL);
pub const EPOLL_WAIT: Forwarded = Forwarded(nr::EPOLL_WAIT);
pub const PREADV: Forwarded = Forwarded(nr::PREADV);
pub const PWRITEV: Forwarded = Forwarded(nr::PWRITEV);
