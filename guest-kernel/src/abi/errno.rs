//! Linux errno values the kernel returns (negated in RAX).

pub const EPERM: i64 = 1;
pub const ENOENT: i64 = 2;
pub const EINTR: i64 = 4;
pub const EIO: i64 = 5;
pub const EBADF: i64 = 9;
pub const ENOMEM: i64 = 12;
pub const EACCES: i64 = 13;
pub const EFAULT: i64 = 14;
pub const EEXIST: i64 = 17;
pub const EINVAL: i64 = 22;
pub const ENOTTY: i64 = 25;
pub const ERANGE: i64 = 34;
pub const ENAMETOOLONG: i64 = 36;
pub const ENOSYS: i64 = 38;
pub const ENODEV: i64 = 19;
pub const E2BIG: i64 = 7;
pub const EISDIR: i64 = 21;
pub const ESPIPE: i64 = 29;
pub const ESRCH: i64 = 3;
pub const EAGAIN: i64 = 11;
pub const ETIMEDOUT: i64 = 110;
pub const EMSGSIZE: i64 = 90;
pub const EOPNOTSUPP: i64 = 95;
pub const EPIPE: i64 = 32;
/// Kernel-internal, never seen by a program (Linux's value): the result of a call parked until
/// its fd is ready (`task::park_on_fd`), which runs again unless a signal handler without
/// `SA_RESTART` interrupts it (then `-EINTR`).
pub const ERESTARTSYS: i64 = 512;
