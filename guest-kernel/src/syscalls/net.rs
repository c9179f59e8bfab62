//! Sockets: forwarded to the host, which decides whether the program may use the network
//! (by default it may not: the host answers EACCES). The kernel only stages the socket address
//! in the I/O buffer; it keeps no socket state of its own.

use crate::abi::errno::{EFAULT, EINVAL, EMSGSIZE, EOPNOTSUPP};
use crate::abi::host::kva;
use crate::abi::linux::{IOV_MAX, POLLIN, POLLOUT};
use crate::host::forwarded::{self, Forwarded};
use crate::host::{boot_info, hypercall};
use crate::mm::user;
use crate::mm::vma::PROT_WRITE;
use crate::proc::task;
use crate::syscalls::fs::copy_fd_pair;
use crate::syscalls::{or_errno, Args};

/// recvfrom and sendto's flag for a call that never waits.
const MSG_DONTWAIT: u64 = 0x40;

/// Parks the caller of a call on socket `fd` that would wait for `events` (`task::park_unless_ready`),
/// unless its `flags` say it never waits.
fn park_unless_ready(fd: u64, events: u16, flags: u64) -> Option<i64> {
    if flags & MSG_DONTWAIT != 0 { None } else { task::park_unless_ready(fd, events) }
}

/// `sizeof(struct sockaddr_storage)`: Linux refuses longer addresses with EINVAL.
const SOCKADDR_MAX: i32 = 128;

pub fn sys_socket(a: &Args) -> i64 {
    hypercall::call(forwarded::SOCKET, [a[0], a[1], a[2], 0, 0, 0])
}

pub fn sys_listen(a: &Args) -> i64 {
    hypercall::call(forwarded::LISTEN, [a[0], a[1], 0, 0, 0, 0])
}

pub fn sys_shutdown(a: &Args) -> i64 {
    hypercall::call(forwarded::SHUTDOWN, [a[0], a[1], 0, 0, 0, 0])
}

pub fn sys_connect(a: &Args) -> i64 {
    with_address(forwarded::CONNECT, a)
}

pub fn sys_bind(a: &Args) -> i64 {
    with_address(forwarded::BIND, a)
}

/// connect(2) and bind(2): like Linux, the address is copied in (EINVAL for a bad length,
/// EFAULT for a bad pointer) before the fd is looked at, by the host.
fn with_address(call: Forwarded, a: &Args) -> i64 {
    let (fd, addr, len) = (a[0], a[1], a[2] as i32);
    if !(0..=SOCKADDR_MAX).contains(&len) {
        return -EINVAL;
    }
    let io_buffer = boot_info::get().io_buffer;
    if let Err(errno) = user::copy_in(kva(io_buffer) as *mut u8, addr, len as usize) {
        return -errno;
    }
    hypercall::call(call, [fd, io_buffer, len as u64, 0, 0, 0])
}

/// Where the socket calls stage their arguments in the I/O buffer: a socket address, the `u32`
/// length the host reads and writes back (address or option length), then data or an option.
const ADDRESS_AT: u64 = 0;
const LENGTH_AT: u64 = 128;
const DATA_AT: u64 = 256;
const MSGHDR_SIZE: usize = 56;

/// The I/O buffer's GPA and how many data bytes fit after `DATA_AT`.
fn io_buffer() -> (u64, u64) {
    let info = boot_info::get();
    (info.io_buffer, info.io_buffer_size - DATA_AT)
}

fn staged(io: u64, offset: u64) -> *mut u8 {
    kva(io + offset) as *mut u8
}

/// An output the program names by a pointer and a pointer to its room (`socklen_t *`), as
/// accept, recvfrom, getsockname and getsockopt have: the room is read in and staged at
/// `LENGTH_AT`; the host writes back the full length there.
struct Output {
    ptr: u64,
    len_ptr: u64,
    room: u32,
    staged_at: u64,
}

impl Output {
    fn stage(io: u64, ptr: u64, len_ptr: u64, staged_at: u64, cap: u64) -> Result<Output, i64> {
        let room: u32 = user::read(len_ptr)?;
        if (room as i32) < 0 {
            return Err(EINVAL);
        }
        let room = (room as u64).min(cap) as u32;
        // SAFETY: LENGTH_AT + 4 lies inside the I/O buffer (at least one page), which the host
        // reads only during the hypercall.
        unsafe { (staged(io, LENGTH_AT) as *mut u32).write_unaligned(room) };
        Ok(Output { ptr, len_ptr, room, staged_at })
    }

    /// Copies what the host wrote back to the program (at most its room) and the full length.
    fn finish(&self, io: u64) -> Result<(), i64> {
        // SAFETY: as in `stage`; the hypercall has returned.
        let reported = unsafe { (staged(io, LENGTH_AT) as *const u32).read_unaligned() };
        user::copy_out(self.ptr, staged(io, self.staged_at), reported.min(self.room) as usize)?;
        user::write(self.len_ptr, &reported)
    }
}

/// A call whose only output is a socket address (accept4, getsockname, getpeername); `call`
/// gets `[fd, address GPA, length GPA, extra]`, both 0 when the program passed no address.
fn with_address_out(call: Forwarded, fd: u64, addr: u64, len_ptr: u64, extra: u64, required: bool) -> i64 {
    let (io, _) = io_buffer();
    let run = || -> Result<i64, i64> {
        let out = if addr != 0 || required {
            Some(Output::stage(io, addr, len_ptr, ADDRESS_AT, SOCKADDR_MAX as u64)?)
        } else {
            None
        };
        let (addr_gpa, len_gpa) = if out.is_some() { (io + ADDRESS_AT, io + LENGTH_AT) } else { (0, 0) };
        let result = hypercall::call(call, [fd, addr_gpa, len_gpa, extra, 0, 0]);
        if let (true, Some(out)) = (result >= 0, out) {
            out.finish(io)?;
        }
        Ok(result)
    };
    or_errno(run())
}

pub fn sys_accept4(a: &Args) -> i64 {
    park_unless_ready(a[0], POLLIN, 0).unwrap_or_else(|| with_address_out(forwarded::ACCEPT4, a[0], a[1], a[2], a[3], false))
}

pub fn sys_accept(a: &Args) -> i64 {
    park_unless_ready(a[0], POLLIN, 0).unwrap_or_else(|| with_address_out(forwarded::ACCEPT4, a[0], a[1], a[2], 0, false))
}

pub fn sys_getsockname(a: &Args) -> i64 {
    with_address_out(forwarded::GETSOCKNAME, a[0], a[1], a[2], 0, true)
}

pub fn sys_getpeername(a: &Args) -> i64 {
    with_address_out(forwarded::GETPEERNAME, a[0], a[1], a[2], 0, true)
}

/// Stages a destination address (EINVAL beyond `sockaddr_storage`); returns its GPA, 0 for none.
fn stage_address(io: u64, addr: u64, len: u64) -> Result<u64, i64> {
    if addr == 0 {
        return Ok(0);
    }
    if len as i32 as i64 > SOCKADDR_MAX as i64 || (len as i32) < 0 {
        return Err(EINVAL);
    }
    user::copy_in(staged(io, ADDRESS_AT), addr, len as usize)?;
    Ok(io + ADDRESS_AT)
}

/// sendto(2): at most the I/O buffer's data room per call (a short send, as a stream socket may
/// give); the host gets `[fd, data GPA, length, flags, address GPA or 0, address length]`.
pub fn sys_sendto(a: &Args) -> i64 {
    let (fd, buf, len, flags, addr, addr_len) = (a[0], a[1], a[2], a[3], a[4], a[5]);
    if let Some(parked) = park_unless_ready(fd, POLLOUT, flags) {
        return parked;
    }
    let (io, room) = io_buffer();
    let run = || -> Result<i64, i64> {
        let addr_gpa = stage_address(io, addr, addr_len)?;
        let n = len.min(room);
        user::copy_in(staged(io, DATA_AT), buf, n as usize)?;
        let addr_len = if addr_gpa == 0 { 0 } else { addr_len };
        Ok(hypercall::call(forwarded::SENDTO, [fd, io + DATA_AT, n, flags, addr_gpa, addr_len]))
    };
    or_errno(run())
}

/// recvfrom(2): the host gets `[fd, data GPA, length, flags, address GPA, length GPA]` (the last
/// two 0 when the program wants no address) and returns the bytes received.
fn recvfrom(fd: u64, len: u64, flags: u64, addr: u64, len_ptr: u64) -> Result<(i64, u64), i64> {
    let (io, room) = io_buffer();
    let out = if addr != 0 { Some(Output::stage(io, addr, len_ptr, ADDRESS_AT, SOCKADDR_MAX as u64)?) } else { None };
    let (addr_gpa, len_gpa) = if out.is_some() { (io + ADDRESS_AT, io + LENGTH_AT) } else { (0, 0) };
    let n = len.min(room);
    let result = hypercall::call(forwarded::RECVFROM, [fd, io + DATA_AT, n, flags, addr_gpa, len_gpa]).min(n as i64);
    if let (true, Some(out)) = (result >= 0, out) {
        out.finish(io)?;
    }
    Ok((result, io + DATA_AT))
}

pub fn sys_recvfrom(a: &Args) -> i64 {
    let (fd, buf, len, flags, addr, len_ptr) = (a[0], a[1], a[2], a[3], a[4], a[5]);
    if let Some(parked) = park_unless_ready(fd, POLLIN, flags) {
        return parked;
    }
    let run = || -> Result<i64, i64> {
        if !user::accessible(buf, len.min(io_buffer().1), PROT_WRITE) {
            return Err(EFAULT);
        }
        let (result, data) = recvfrom(fd, len, flags, addr, len_ptr)?;
        if result > 0 {
            user::copy_out(buf, kva(data) as *const u8, result as usize)?;
        }
        Ok(result)
    };
    or_errno(run())
}

/// The fields of `struct msghdr` the kernel uses.
struct MessageHeader {
    name: u64,
    name_len: u64,
    iov: u64,
    iov_len: u64,
    control_len: u64,
}

fn read_msghdr(msg: u64) -> Result<MessageHeader, i64> {
    let raw: [u64; MSGHDR_SIZE / 8] = user::read(msg)?;
    if raw[3] > IOV_MAX {
        return Err(EMSGSIZE);
    }
    Ok(MessageHeader { name: raw[0], name_len: raw[1] & 0xffff_ffff, iov: raw[2], iov_len: raw[3], control_len: raw[5] })
}

/// Calls `visit(base, len)` for each iovec of the message.
fn for_each_iovec(header: &MessageHeader, mut visit: impl FnMut(u64, u64) -> Result<bool, i64>) -> Result<(), i64> {
    for index in 0..header.iov_len {
        let [base, len]: [u64; 2] = user::read(header.iov + index * 16)?;
        if !visit(base, len)? {
            break;
        }
    }
    Ok(())
}

/// sendmsg(2), rewritten onto sendto: the iovecs are gathered into the I/O buffer (as much as
/// fits). Control messages (passing fds, credentials) are not supported: EOPNOTSUPP.
pub fn sys_sendmsg(a: &Args) -> i64 {
    let (fd, msg, flags) = (a[0], a[1], a[2]);
    let (io, room) = io_buffer();
    let run = || -> Result<i64, i64> {
        let header = read_msghdr(msg)?;
        if header.control_len != 0 {
            return Err(EOPNOTSUPP);
        }
        let addr_gpa = stage_address(io, header.name, header.name_len)?;
        let mut gathered = 0u64;
        for_each_iovec(&header, |base, len| {
            let n = len.min(room - gathered);
            user::copy_in(staged(io, DATA_AT + gathered), base, n as usize)?;
            gathered += n;
            Ok(gathered < room)
        })?;
        let name_len = if addr_gpa == 0 { 0 } else { header.name_len };
        Ok(hypercall::call(forwarded::SENDTO, [fd, io + DATA_AT, gathered, flags, addr_gpa, name_len]))
    };
    or_errno(run())
}

/// recvmsg(2), rewritten onto recvfrom: what arrives is scattered over the iovecs; no control
/// messages are ever received (`msg_controllen` and `msg_flags` come back 0).
pub fn sys_recvmsg(a: &Args) -> i64 {
    let (fd, msg, flags) = (a[0], a[1], a[2]);
    let run = || -> Result<i64, i64> {
        let header = read_msghdr(msg)?;
        let mut wanted = 0u64;
        for_each_iovec(&header, |base, len| {
            if !user::accessible(base, len, PROT_WRITE) {
                return Err(EFAULT);
            }
            wanted = wanted.saturating_add(len);
            Ok(true)
        })?;
        // The address length is a field of the header, not a pointer: stage it through a copy.
        let name_len_field = msg + 8;
        let (result, data) = recvfrom(fd, wanted, flags, header.name, name_len_field)?;
        if result < 0 {
            return Ok(result);
        }
        let mut scattered = 0u64;
        for_each_iovec(&header, |base, len| {
            let n = len.min(result as u64 - scattered);
            user::copy_out(base, kva(data + scattered) as *const u8, n as usize)?;
            scattered += n;
            Ok(scattered < result as u64)
        })?;
        user::write(msg + 40, &0u64)?;
        user::write(msg + 48, &0u32)?;
        Ok(result)
    };
    or_errno(run())
}

/// setsockopt(2): the option value (at most the data room, else EINVAL) is staged; the host gets
/// `[fd, level, name, value GPA or 0, length]`.
pub fn sys_setsockopt(a: &Args) -> i64 {
    let (fd, level, name, value, len) = (a[0], a[1], a[2], a[3], a[4]);
    let (io, room) = io_buffer();
    let run = || -> Result<i64, i64> {
        if (len as i32) < 0 || len as u32 as u64 > room {
            return Err(EINVAL);
        }
        let len = len as u32 as u64;
        let value_gpa = if value == 0 {
            0
        } else {
            user::copy_in(staged(io, DATA_AT), value, len as usize)?;
            io + DATA_AT
        };
        Ok(hypercall::call(forwarded::SETSOCKOPT, [fd, level, name, value_gpa, len, 0]))
    };
    or_errno(run())
}

/// getsockopt(2): the host gets `[fd, level, name, value GPA, length GPA]` and writes back the
/// value's full length; the program gets at most its room.
pub fn sys_getsockopt(a: &Args) -> i64 {
    let (fd, level, name, value, len_ptr) = (a[0], a[1], a[2], a[3], a[4]);
    let (io, room) = io_buffer();
    let run = || -> Result<i64, i64> {
        let out = Output::stage(io, value, len_ptr, DATA_AT, room)?;
        let result = hypercall::call(forwarded::GETSOCKOPT, [fd, level, name, io + DATA_AT, io + LENGTH_AT, 0]);
        if result >= 0 {
            out.finish(io)?;
        }
        Ok(result)
    };
    or_errno(run())
}

/// socketpair(2): AF_UNIX stream pairs, made by the host like pipes.
pub fn sys_socketpair(a: &Args) -> i64 {
    let io = boot_info::get().io_buffer;
    let status = hypercall::call(forwarded::SOCKETPAIR, [a[0], a[1], a[2], io, 0, 0]);
    copy_fd_pair(status, io, a[3])
}
