//! Socket calls: forwarded to the host, which decides whether the program may use the network
//! (by default it may not: the host answers EACCES). The kernel only stages the socket address
//! in the I/O buffer; it keeps no socket state of its own.

use crate::abi::kva;
use crate::errno::EINVAL;
use crate::hypercall;
use crate::kernel;
use crate::syscall::nr;
use crate::user;

type Args = [u64; 6];

/// `sizeof(struct sockaddr_storage)`: Linux refuses longer addresses with EINVAL.
const SOCKADDR_MAX: i32 = 128;

pub fn sys_socket(a: &Args) -> i64 {
    hypercall::call(nr::SOCKET, [a[0], a[1], a[2], 0, 0, 0])
}

pub fn sys_listen(a: &Args) -> i64 {
    hypercall::call(nr::LISTEN, [a[0], a[1], 0, 0, 0, 0])
}

pub fn sys_shutdown(a: &Args) -> i64 {
    hypercall::call(nr::SHUTDOWN, [a[0], a[1], 0, 0, 0, 0])
}

pub fn sys_connect(a: &Args) -> i64 {
    with_address(nr::CONNECT, a)
}

pub fn sys_bind(a: &Args) -> i64 {
    with_address(nr::BIND, a)
}

/// connect(2) and bind(2): like Linux, the address is copied in (EINVAL for a bad length,
/// EFAULT for a bad pointer) before the fd is looked at, by the host.
fn with_address(nr: u64, a: &Args) -> i64 {
    let (fd, addr, len) = (a[0], a[1], a[2] as i32);
    if !(0..=SOCKADDR_MAX).contains(&len) {
        return -EINVAL;
    }
    let io_buffer = kernel::boot_info().io_buffer;
    if let Err(errno) = user::copy_in(kva(io_buffer) as *mut u8, addr, len as usize) {
        return -errno;
    }
    hypercall::call(nr, [fd, io_buffer, len as u64, 0, 0, 0])
}
