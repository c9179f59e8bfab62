//! Files, forwarded to the host by hypercall: the data calls (read, write, paths, stat) pass
//! the program's own addresses and the host reads and writes its pages (`direct`); the rest
//! stage their buffers in the I/O buffer (the host sees GPAs inside it). Legacy calls are
//! rewritten onto the `*at` form the host implements (docs/guest-abi.md). Pipes too: the host
//! makes them.

use crate::abi::errno::{EBADF, EFAULT, EINVAL, EOPNOTSUPP, EPERM};
use crate::abi::host::kva;
use crate::abi::linux::{AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, F_GETFD, PATH_MAX, POLLIN, POLLOUT};
use crate::abi::stat::{statx_of, STATX_SIZE, STAT_SIZE, ST_UID};
use crate::host::io_buffer::IoBuffer;
use crate::host::forwarded::{self, Forwarded};
use crate::host::{boot_info, hypercall};
use crate::mm::user;
use crate::mm::vma::PROT_WRITE;
use crate::proc::process::{with_process, GROUP_ID, USER_ID};
use crate::proc::{signal, task};
use crate::syscalls::{or_errno, Args};

const O_WRONLY: u64 = 0o1;
const O_CREAT: u64 = 0o100;
const O_TRUNC: u64 = 0o1000;


fn host(call: Forwarded, args: [u64; 6]) -> i64 {
    hypercall::call(call, args)
}

/// A call whose pointers go to the host as the program's own addresses: the host reads and
/// writes the program's pages itself (`hypercall::call_user`), nothing is staged here.
fn direct(call: Forwarded, args: [u64; 6]) -> i64 {
    hypercall::call_user(call, args)
}

/// read(2); the caller is parked instead while the host would wait for data
/// (`task::park_unless_ready`).
pub fn sys_read(a: &Args) -> i64 {
    task::park_unless_ready(a[0], POLLIN).unwrap_or_else(|| direct(forwarded::READ, [a[0], a[1], a[2], 0, 0, 0]))
}

/// write(2), then SIGPIPE's default action (`signal::sigpipe`); parked as `sys_read` while the
/// host would wait for room.
pub fn sys_write(a: &Args) -> i64 {
    task::park_unless_ready(a[0], POLLOUT)
        .unwrap_or_else(|| signal::sigpipe(direct(forwarded::WRITE, [a[0], a[1], a[2], 0, 0, 0])))
}

pub fn sys_pread64(a: &Args) -> i64 {
    direct(forwarded::PREAD64, [a[0], a[1], a[2], a[3], 0, 0])
}

pub fn sys_pwrite64(a: &Args) -> i64 {
    direct(forwarded::PWRITE64, [a[0], a[1], a[2], a[3], 0, 0])
}

/// readv(2): the host reads the iovec array and the vectors itself and decides the call as a
/// `read` over them (syscall-interpose, `IoVectors`).
pub fn sys_readv(a: &Args) -> i64 {
    task::park_unless_ready(a[0], POLLIN).unwrap_or_else(|| direct(forwarded::READV, [a[0], a[1], a[2], 0, 0, 0]))
}

/// writev(2), decided on the host as one `write` of the gathered vectors, then SIGPIPE's
/// default action (`signal::sigpipe`).
pub fn sys_writev(a: &Args) -> i64 {
    task::park_unless_ready(a[0], POLLOUT)
        .unwrap_or_else(|| signal::sigpipe(direct(forwarded::WRITEV, [a[0], a[1], a[2], 0, 0, 0])))
}

/// preadv(2): on x86-64 `pos_l` (`a[3]`) holds the whole offset.
pub fn sys_preadv(a: &Args) -> i64 {
    if (a[3] as i64) < 0 {
        return -EINVAL;
    }
    direct(forwarded::PREADV, [a[0], a[1], a[2], a[3], 0, 0])
}

pub fn sys_pwritev(a: &Args) -> i64 {
    if (a[3] as i64) < 0 {
        return -EINVAL;
    }
    signal::sigpipe(direct(forwarded::PWRITEV, [a[0], a[1], a[2], a[3], 0, 0]))
}

/// RWF_HIPRI, RWF_DSYNC, RWF_SYNC: hints this sandbox's files can ignore (the host file system
/// decides durability); RWF_NOWAIT and RWF_APPEND, and unknown flags, are `-EOPNOTSUPP`.
const RWF_IGNORED: u64 = 0x1 | 0x2 | 0x4;

/// preadv2(2) and pwritev2(2): offset -1 works at the file position (`at_position`, readv or
/// writev), any other at that offset (`at_offset`).
fn vectored_v2(a: &Args, at_position: fn(&Args) -> i64, at_offset: fn(&Args) -> i64) -> i64 {
    if a[5] & !RWF_IGNORED != 0 {
        return -EOPNOTSUPP;
    }
    if a[3] as i64 == -1 {
        at_position(a)
    } else {
        at_offset(a)
    }
}

pub fn sys_preadv2(a: &Args) -> i64 {
    vectored_v2(a, sys_readv, sys_preadv)
}

pub fn sys_pwritev2(a: &Args) -> i64 {
    vectored_v2(a, sys_writev, sys_pwritev)
}

// Calls whose arguments are all integers go through unchanged.
pub fn sys_close(a: &Args) -> i64 {
    host(forwarded::CLOSE, *a)
}
pub fn sys_lseek(a: &Args) -> i64 {
    host(forwarded::LSEEK, *a)
}
pub fn sys_dup(a: &Args) -> i64 {
    host(forwarded::DUP, *a)
}
pub fn sys_dup3(a: &Args) -> i64 {
    host(forwarded::DUP3, *a)
}
pub fn sys_fsync(a: &Args) -> i64 {
    host(forwarded::FSYNC, [a[0], 0, 0, 0, 0, 0])
}
pub fn sys_ftruncate(a: &Args) -> i64 {
    host(forwarded::FTRUNCATE, *a)
}
pub fn sys_fchdir(a: &Args) -> i64 {
    host(forwarded::FCHDIR, *a)
}

/// dup2(2) as dup3, except that dup2(fd, fd) checks fd and returns it.
pub fn sys_dup2(a: &Args) -> i64 {
    if a[0] == a[1] {
        let flags = host(forwarded::FCNTL, [a[0], F_GETFD, 0, 0, 0, 0]);
        return if flags < 0 { -EBADF } else { a[1] as i64 };
    }
    host(forwarded::DUP3, [a[0], a[1], 0, 0, 0, 0])
}

/// The process's umask taken out of a new file's or directory's mode, as Linux does before the
/// file system sees it: the host sets the mode it is given.
fn without_umask(mode: u64) -> u64 {
    mode & !with_process(|p| p.umask)
}

fn openat(dirfd: u64, path: u64, flags: u64, mode: u64) -> i64 {
    let mode = if flags & O_CREAT != 0 { without_umask(mode) } else { mode };
    direct(forwarded::OPENAT, [dirfd, path, flags, mode, 0, 0])
}

pub fn sys_openat(a: &Args) -> i64 {
    openat(a[0], a[1], a[2], a[3])
}
pub fn sys_open(a: &Args) -> i64 {
    openat(AT_FDCWD, a[0], a[1], a[2])
}
pub fn sys_creat(a: &Args) -> i64 {
    openat(AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1])
}

/// newfstatat, the host writing the `struct stat`; the fd form (no path) as a null path with
/// AT_EMPTY_PATH, which Linux 6.11 takes as fstat.
fn fstatat(dirfd: u64, path: Option<u64>, statbuf: u64, flags: u64) -> i64 {
    let (path, flags) = match path {
        Some(p) => (p, flags),
        None => (0, flags | AT_EMPTY_PATH),
    };
    direct(forwarded::NEWFSTATAT, [dirfd, path, statbuf, flags, 0, 0])
}

pub fn sys_newfstatat(a: &Args) -> i64 {
    fstatat(a[0], Some(a[1]), a[2], a[3])
}
pub fn sys_stat(a: &Args) -> i64 {
    fstatat(AT_FDCWD, Some(a[0]), a[1], 0)
}
pub fn sys_lstat(a: &Args) -> i64 {
    fstatat(AT_FDCWD, Some(a[0]), a[1], AT_SYMLINK_NOFOLLOW)
}
pub fn sys_fstat(a: &Args) -> i64 {
    fstatat(a[0], None, a[1], AT_EMPTY_PATH)
}

/// statfs (`path`) or fstatfs (`fd`), the host writing the `struct statfs`.
fn statfs(path: Option<u64>, fd: u64, buf: u64) -> i64 {
    match path {
        Some(p) => direct(forwarded::STATFS, [p, buf, 0, 0, 0, 0]),
        None => direct(forwarded::FSTATFS, [fd, buf, 0, 0, 0, 0]),
    }
}

pub fn sys_statfs(a: &Args) -> i64 {
    statfs(Some(a[0]), 0, a[1])
}
pub fn sys_fstatfs(a: &Args) -> i64 {
    statfs(None, a[0], a[1])
}

/// mknod, mknodat: the sandbox makes no FIFOs, device or socket nodes; EPERM, which Linux gives
/// when the file system does not support the node type (mkfifo's callers treat it as "not here").
pub fn sys_mknod(_a: &Args) -> i64 {
    -EPERM
}

/// One path argument, staged, then the call with `args(path_gpa)` (calls whose other
/// arguments the kernel builds itself).
fn with_path(path: u64, call: impl FnOnce(u64) -> i64) -> i64 {
    or_errno(IoBuffer::get().stage_path(0, path).map(call))
}

pub fn sys_faccessat(a: &Args) -> i64 {
    let (dirfd, mode) = (a[0], a[2]);
    direct(forwarded::FACCESSAT, [dirfd, a[1], mode, 0, 0, 0])
}
/// faccessat2: the host's faccessat gets the flags as a fourth argument.
pub fn sys_faccessat2(a: &Args) -> i64 {
    let (dirfd, mode, flags) = (a[0], a[2], a[3]);
    direct(forwarded::FACCESSAT, [dirfd, a[1], mode, flags, 0, 0])
}
pub fn sys_access(a: &Args) -> i64 {
    let mode = a[1];
    direct(forwarded::FACCESSAT, [AT_FDCWD, a[0], mode, 0, 0, 0])
}
pub fn sys_chdir(a: &Args) -> i64 {
    direct(forwarded::CHDIR, [a[0], 0, 0, 0, 0, 0])
}
pub fn sys_mkdirat(a: &Args) -> i64 {
    let (dirfd, mode) = (a[0], without_umask(a[2]));
    direct(forwarded::MKDIRAT, [dirfd, a[1], mode, 0, 0, 0])
}
pub fn sys_mkdir(a: &Args) -> i64 {
    let mode = without_umask(a[1]);
    direct(forwarded::MKDIRAT, [AT_FDCWD, a[0], mode, 0, 0, 0])
}
pub fn sys_unlinkat(a: &Args) -> i64 {
    let (dirfd, flags) = (a[0], a[2]);
    direct(forwarded::UNLINKAT, [dirfd, a[1], flags, 0, 0, 0])
}
pub fn sys_unlink(a: &Args) -> i64 {
    direct(forwarded::UNLINKAT, [AT_FDCWD, a[0], 0, 0, 0, 0])
}
pub fn sys_rmdir(a: &Args) -> i64 {
    direct(forwarded::UNLINKAT, [AT_FDCWD, a[0], AT_REMOVEDIR, 0, 0, 0])
}

fn renameat2(old_dir: u64, old: u64, new_dir: u64, new: u64, flags: u64) -> i64 {
    direct(forwarded::RENAMEAT2, [old_dir, old, new_dir, new, flags, 0])
}

pub fn sys_renameat2(a: &Args) -> i64 {
    renameat2(a[0], a[1], a[2], a[3], a[4])
}
pub fn sys_renameat(a: &Args) -> i64 {
    renameat2(a[0], a[1], a[2], a[3], 0)
}
pub fn sys_rename(a: &Args) -> i64 {
    renameat2(AT_FDCWD, a[0], AT_FDCWD, a[1], 0)
}

fn readlinkat(dirfd: u64, path: u64, buf: u64, size: u64) -> i64 {
    if size as i64 <= 0 {
        return -EINVAL;
    }
    direct(forwarded::READLINKAT, [dirfd, path, buf, size, 0, 0])
}

pub fn sys_readlinkat(a: &Args) -> i64 {
    readlinkat(a[0], a[1], a[2], a[3])
}
pub fn sys_readlink(a: &Args) -> i64 {
    readlinkat(AT_FDCWD, a[0], a[1], a[2])
}

pub fn sys_getdents64(a: &Args) -> i64 {
    // The count is an `unsigned int`.
    direct(forwarded::GETDENTS64, [a[0], a[1], a[2] & 0xffff_ffff, 0, 0, 0])
}

pub fn sys_getcwd(a: &Args) -> i64 {
    direct(forwarded::GETCWD, [a[0], a[1], 0, 0, 0, 0])
}

/// ioctl(2): the host reads and writes the argument of the requests it knows in the program's
/// memory (`FIONBIO`, `FIONREAD`, and a pseudo-terminal's `TIOCGPTN`, `TIOCSPTLCK`, `TCGETS`,
/// `TCSETS`) and checks the fd before anything else (EBADF, then ENOTTY for requests no fd here
/// answers, as Linux does); the request is an `unsigned int`.
pub fn sys_ioctl(a: &Args) -> i64 {
    direct(forwarded::IOCTL, [a[0], a[1] & 0xffff_ffff, a[2], 0, 0, 0])
}

/// fcntl(2): integer commands pass through; record locks stage their `struct flock`.
pub fn sys_fcntl(a: &Args) -> i64 {
    const FLOCK_SIZE: usize = 32;
    let (fd, cmd, arg) = (a[0], a[1], a[2]);
    let io = IoBuffer::get();
    match cmd {
        // F_DUPFD..F_SETFL, F_SETOWN, F_GETOWN, F_DUPFD_CLOEXEC, pipe sizes, seals.
        0..=4 | 8 | 9 | 1030..=1034 => host(forwarded::FCNTL, [fd, cmd, arg, 0, 0, 0]),
        // F_GETLK, F_SETLK, F_SETLKW and their OFD forms.
        5..=7 | 36..=38 => {
            if let Err(errno) = user::copy_in(io.ptr(0), arg, FLOCK_SIZE) {
                return -errno;
            }
            let result = host(forwarded::FCNTL, [fd, cmd, io.at(0), 0, 0, 0]);
            if result >= 0 && (cmd == 5 || cmd == 36) {
                if let Err(errno) = user::copy_out(arg, io.ptr(0), FLOCK_SIZE) {
                    return -errno;
                }
            }
            result
        }
        _ => -EINVAL,
    }
}

pub fn sys_fchmodat(a: &Args) -> i64 {
    let (dirfd, mode) = (a[0], a[2]);
    direct(forwarded::FCHMODAT, [dirfd, a[1], mode, 0, 0, 0])
}

pub fn sys_chmod(a: &Args) -> i64 {
    let mode = a[1];
    direct(forwarded::FCHMODAT, [AT_FDCWD, a[0], mode, 0, 0, 0])
}

pub fn sys_fchmod(a: &Args) -> i64 {
    let (fd, mode) = (a[0], a[1]);
    host(forwarded::FCHMODAT, [fd, IoBuffer::get().empty_path(0), mode, AT_EMPTY_PATH, 0, 0])
}

/// utimensat(2); a null `times` means both times now. The fd form (a null path, as futimens
/// makes it) goes to the host as an empty path with AT_EMPTY_PATH.
pub fn sys_utimensat(a: &Args) -> i64 {
    const UTIME_NOW: i64 = (1 << 30) - 1;
    let (dirfd, path, times, flags) = (a[0], a[1], a[2], a[3]);
    let io = IoBuffer::get();
    let times_at = PATH_MAX;
    if times == 0 {
        let now = [0i64, UTIME_NOW, 0, UTIME_NOW];
        for (i, word) in now.iter().enumerate() {
            io.slice(times_at + i * 8, 8).copy_from_slice(&word.to_le_bytes());
        }
    } else if let Err(errno) = user::copy_in(io.ptr(times_at), times, 32) {
        return -errno;
    }
    if path == 0 {
        return host(forwarded::UTIMENSAT, [dirfd, io.empty_path(0), io.at(times_at), flags | AT_EMPTY_PATH, 0, 0]);
    }
    with_path(path, |p| host(forwarded::UTIMENSAT, [dirfd, p, io.at(times_at), flags, 0, 0]))
}

fn symlinkat(target: u64, dirfd: u64, path: u64) -> i64 {
    direct(forwarded::SYMLINKAT, [target, dirfd, path, 0, 0, 0])
}

pub fn sys_symlinkat(a: &Args) -> i64 {
    symlinkat(a[0], a[1], a[2])
}
pub fn sys_symlink(a: &Args) -> i64 {
    symlinkat(a[0], AT_FDCWD, a[1])
}

fn linkat(old_dir: u64, old: u64, new_dir: u64, new: u64, flags: u64) -> i64 {
    direct(forwarded::LINKAT, [old_dir, old, new_dir, new, flags, 0])
}

pub fn sys_linkat(a: &Args) -> i64 {
    linkat(a[0], a[1], a[2], a[3], a[4])
}
pub fn sys_link(a: &Args) -> i64 {
    linkat(AT_FDCWD, a[0], AT_FDCWD, a[1], 0)
}

/// Most bytes one sendfile moves, as Linux (`MAX_RW_COUNT`).
const MAX_RW_COUNT: u64 = 0x7fff_f000;
const SEEK_CUR: u64 = 1;

/// sendfile(2) in the guest: reads (`pread64` at `*offset`, or `read` at the file position) into
/// the I/O buffer and writes that to `out_fd`, a buffer at a time, until `count` bytes moved, the
/// input ended or a write came back short. Bytes read but not written are given back (the
/// position or `*offset` says only what was sent).
pub fn sys_sendfile(a: &Args) -> i64 {
    let (out_fd, in_fd, offset_ptr, count) = (a[0], a[1], a[2], a[3].min(MAX_RW_COUNT));
    let io = IoBuffer::get();
    let mut offset = if offset_ptr == 0 {
        None
    } else {
        match user::read::<i64>(offset_ptr) {
            Ok(value) if value >= 0 => Some(value as u64),
            Ok(_) => return -EINVAL,
            Err(errno) => return -errno,
        }
    };
    let mut sent = 0u64;
    let mut failed = 0i64;
    while sent < count {
        let want = (count - sent).min(io.len as u64);
        let got = match offset {
            Some(at) => host(forwarded::PREAD64, [in_fd, io.at(0), want, at, 0, 0]),
            None => host(forwarded::READ, [in_fd, io.at(0), want, 0, 0, 0]),
        };
        if got <= 0 {
            failed = got;
            break;
        }
        let wrote = host(forwarded::WRITE, [out_fd, io.at(0), got as u64, 0, 0, 0]);
        let wrote_bytes = wrote.max(0) as u64;
        sent += wrote_bytes;
        if let Some(at) = offset.as_mut() {
            *at += wrote_bytes;
        } else if wrote_bytes < got as u64 {
            host(forwarded::LSEEK, [in_fd, (wrote_bytes as i64 - got) as u64, SEEK_CUR, 0, 0, 0]);
        }
        if wrote < got {
            failed = wrote.min(0);
            break;
        }
    }
    if let (Some(at), true) = (offset, offset_ptr != 0) {
        if let Err(errno) = user::write(offset_ptr, &(at as i64)) {
            return -errno;
        }
    }
    if sent == 0 && failed < 0 { failed } else { sent as i64 }
}

/// chown(2) and its forms, as Linux answers a process without CAP_CHOWN: changing nothing is
/// allowed on one's own file (owner and group left as they are, or named as they are: the
/// program's user and group), anything else is EPERM. No owner ever changes on the host.
fn chown(dirfd: u64, path: Option<u64>, uid: u64, gid: u64, flags: u64) -> i64 {
    const UNCHANGED: u32 = u32::MAX;
    let io = IoBuffer::get();
    let staged = match path {
        Some(p) => io.stage_path(0, p),
        None => Ok(io.empty_path(0)),
    };
    let path_gpa = match staged {
        Ok(gpa) => gpa,
        Err(errno) => return -errno,
    };
    let flags = if path.is_none() { flags | AT_EMPTY_PATH } else { flags };
    let result = host(forwarded::NEWFSTATAT, [dirfd, path_gpa, io.at(PATH_MAX), flags, 0, 0]);
    if result < 0 {
        return result;
    }
    let ids = io.slice(PATH_MAX + ST_UID, 8);
    let owner = u32::from_le_bytes([ids[0], ids[1], ids[2], ids[3]]);
    let keeps = |requested: u64, own: u64| requested as u32 == UNCHANGED || requested as u32 as u64 == own;
    if owner as u64 == USER_ID && keeps(uid, USER_ID) && keeps(gid, GROUP_ID) { 0 } else { -EPERM }
}

pub fn sys_fchownat(a: &Args) -> i64 {
    chown(a[0], Some(a[1]), a[2], a[3], a[4])
}
pub fn sys_chown(a: &Args) -> i64 {
    chown(AT_FDCWD, Some(a[0]), a[1], a[2], 0)
}
pub fn sys_lchown(a: &Args) -> i64 {
    chown(AT_FDCWD, Some(a[0]), a[1], a[2], AT_SYMLINK_NOFOLLOW)
}
pub fn sys_fchown(a: &Args) -> i64 {
    chown(a[0], None, a[1], a[2], 0)
}

/// statx(2), served by a forwarded newfstatat: the basic statistics, converted.
pub fn sys_statx(a: &Args) -> i64 {
    const AT_STATX_SYNC_TYPE: u64 = 0x6000;
    const AT_NO_AUTOMOUNT: u64 = 0x800;
    let (dirfd, path, flags, buf) = (a[0], a[1], a[2], a[4]);
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE) != 0
        || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE
    {
        return -EINVAL;
    }
    if !user::accessible(buf, STATX_SIZE as u64, PROT_WRITE) {
        return -EFAULT;
    }
    let io = IoBuffer::get();
    let path_gpa = match io.stage_path(0, path) {
        Ok(gpa) => gpa,
        Err(errno) => return -errno,
    };
    let result = host(forwarded::NEWFSTATAT, [dirfd, path_gpa, io.at(PATH_MAX), flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH), 0, 0]);
    if result < 0 {
        return result;
    }
    let out = statx_of(io.slice(PATH_MAX, STAT_SIZE));
    or_errno(user::copy_out(buf, out.as_ptr(), STATX_SIZE).map(|_| 0))
}

/// The extended-attribute calls: the guest file system has none (what Linux answers for a
/// file system without xattr support, which callers such as shutil.copystat expect).
pub fn sys_no_xattrs(_: &Args) -> i64 {
    -EOPNOTSUPP
}

/// pipe2(2): the two fds come back through the I/O buffer.
pub fn sys_pipe2(a: &Args) -> i64 {
    let io = boot_info::get().io_buffer;
    let status = host(forwarded::PIPE2, [io, a[1], 0, 0, 0, 0]);
    copy_fd_pair(status, io, a[0])
}

/// eventfd2(2): the counter is a host object in the fd table, as pipes are.
pub fn sys_eventfd2(a: &Args) -> i64 {
    host(forwarded::EVENTFD2, [a[0], a[1], 0, 0, 0, 0])
}

/// eventfd(2): eventfd2 without flags.
pub fn sys_eventfd(a: &Args) -> i64 {
    host(forwarded::EVENTFD2, [a[0], 0, 0, 0, 0, 0])
}

/// memfd_create(2): a file in the run's private /tmp, made and unlinked by the host; the name
/// is read from the program's memory.
pub fn sys_memfd_create(a: &Args) -> i64 {
    direct(forwarded::MEMFD_CREATE, [a[0], a[1], 0, 0, 0, 0])
}

/// pipe(2): pipe2 without flags.
pub fn sys_pipe(a: &Args) -> i64 {
    sys_pipe2(&[a[0], 0, 0, 0, 0, 0])
}

/// Copies the two fds the host wrote at `io` (pipe2, socketpair) to the program; on a fault
/// closes them again.
pub fn copy_fd_pair(status: i64, io: u64, to: u64) -> i64 {
    if status < 0 {
        return status;
    }
    // SAFETY: the host wrote two ints at the start of the I/O buffer (direct-mapped RAM).
    let fds = unsafe { core::ptr::read_volatile(kva(io) as *const [i32; 2]) };
    if let Err(errno) = user::write(to, &fds) {
        for fd in fds {
            host(forwarded::CLOSE, [fd as u64, 0, 0, 0, 0, 0]);
        }
        return -errno;
    }
    0
}
