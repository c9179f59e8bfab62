//! The system around the program: uname, sysinfo, getrandom.

use crate::abi::errno::EFAULT;
use crate::abi::host::PAGE_SIZE;
use crate::abi::linux::NANOS_PER_SECOND;
use crate::host::forwarded;
use crate::host::boot_info;
use crate::host::hypercall;
use crate::host::io_buffer::IoBuffer;
use crate::mm::global::with_memory;
use crate::mm::user;
use crate::mm::vma::PROT_WRITE;
use crate::proc::task;
use crate::syscalls::{result, Args};

pub fn sys_uname(a: &Args) -> i64 {
    let mut uts = [0u8; 6 * 65];
    let fields: [&[u8]; 6] = [b"Linux", b"nanvix", b"6.1.0", b"#1 SMP nanvix", b"x86_64", b"(none)"];
    for (i, field) in fields.iter().enumerate() {
        uts[i * 65..i * 65 + field.len()].copy_from_slice(field);
    }
    result(user::write(a[0], &uts).map(|_| 0))
}

/// sysinfo(2): guest RAM and what the frame allocator has left; one process, no swap.
pub fn sys_sysinfo(a: &Args) -> i64 {
    let total = boot_info::get().memory_size;
    let free = with_memory(|mem, _| mem.frames.available()) * PAGE_SIZE;
    let mut info = [0u64; 14];
    info[0] = task::monotonic_now() / NANOS_PER_SECOND;
    info[4] = total;
    info[5] = free;
    info[10] = 1; // procs (u16 at byte 80)
    info[13] = 1; // mem_unit (u32 at byte 104)
    result(user::write(a[0], &info).map(|_| 0))
}

/// getrandom(2): split into buffer-sized hypercalls until done or short.
pub fn sys_getrandom(a: &Args) -> i64 {
    let (buf, len, flags) = (a[0], a[1], a[2]);
    let io = IoBuffer::get();
    if !user::accessible(buf, len, PROT_WRITE) {
        return -EFAULT;
    }
    let mut done = 0u64;
    while done < len || len == 0 {
        let n = (len - done).min(io.len as u64);
        let result = hypercall::call(forwarded::GETRANDOM, [io.at(0), n, flags, 0, 0, 0]);
        if result < 0 {
            return if done > 0 { done as i64 } else { result };
        }
        let got = (result as u64).min(n);
        if let Err(errno) = user::copy_out(buf + done, io.ptr(0), got as usize) {
            return -errno;
        }
        done += got;
        if got < n || len == 0 {
            break;
        }
    }
    done as i64
}
