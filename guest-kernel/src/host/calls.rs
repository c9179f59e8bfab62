//! Host calls the kernel makes for itself rather than for a system call of the program:
//! sleeping while no thread can run, filling the frames of a file mapping, reading the
//! program's interpreter.

use crate::abi::errno::{EISDIR, ENAMETOOLONG, ENODEV, ENOMEM, ESPIPE};
use crate::abi::host::{kva, PAGE_SIZE};
use crate::abi::linux::{Timespec, AT_EMPTY_PATH, AT_FDCWD, PATH_MAX};
use crate::host::forwarded;
use crate::abi::stat::ST_SIZE;
use crate::host::hypercall;
use crate::host::io_buffer::IoBuffer;
use crate::mm::global::with_memory;

/// Sleeps `ns` on the host (the scheduler's idle wait, when no thread can run).
pub fn sleep(ns: u64) -> i64 {
    let io = IoBuffer::get();
    // SAFETY: the first 32 bytes of the I/O buffer hold the request and remainder timespecs;
    // Timespec is plain data and the buffer is 16-byte aligned (page aligned).
    unsafe {
        core::ptr::write(io.ptr(0) as *mut Timespec, Timespec::from_ns(ns));
        core::ptr::write(io.ptr(16) as *mut Timespec, Timespec::default());
    }
    hypercall::call(forwarded::NANOSLEEP, [io.at(0), io.at(16), 0, 0, 0, 0])
}

/// Fills `len` bytes of guest RAM at `gpa` (frames of a file mapping) from `fd` at `offset`,
/// with host reads straight into the frames: the host accepts any GPA inside guest RAM for
/// pread64, so nothing is staged. Bytes past the end of the file are zeroed here: the frames
/// may be recycled ones (`FrameAllocator::alloc_run_to_overwrite`).
pub fn read_file_into(fd: u64, gpa: u64, len: u64, offset: u64) -> Result<(), i64> {
    let mut done = 0u64;
    while done < len {
        let result = hypercall::call(forwarded::PREAD64, [fd, gpa + done, len - done, offset.wrapping_add(done), 0, 0]);
        if result < 0 {
            // Linux's answer for a file that cannot be mapped (a pipe, a directory).
            return Err(if result == -ESPIPE || result == -EISDIR { ENODEV } else { -result });
        }
        if result == 0 {
            // SAFETY: `[gpa, gpa + len)` are frames the caller owns, in the direct map.
            unsafe { core::ptr::write_bytes(kva(gpa + done) as *mut u8, 0, (len - done) as usize) };
            break;
        }
        done += (result as u64).min(len - done);
    }
    Ok(())
}

/// Reads the file at `path` (an absolute guest path from the kernel itself) whole into frames
/// taken for good off the top of guest RAM; returns their GPA and the file's size.
pub fn read_whole_file(path: &[u8]) -> Result<(u64, u64), i64> {
    const O_RDONLY_CLOEXEC: u64 = 0o2000000;
    let io = IoBuffer::get();
    if path.len() >= PATH_MAX {
        return Err(ENAMETOOLONG);
    }
    let staged = io.slice(0, path.len() + 1);
    staged[..path.len()].copy_from_slice(path);
    staged[path.len()] = 0;
    let fd = hypercall::call(forwarded::OPENAT, [AT_FDCWD, io.at(0), O_RDONLY_CLOEXEC, 0, 0, 0]);
    if fd < 0 {
        return Err(-fd);
    }
    let fd = fd as u64;
    let read = || -> Result<(u64, u64), i64> {
        io.slice(0, 1)[0] = 0;
        let stat = hypercall::call(forwarded::NEWFSTATAT, [fd, io.at(0), io.at(PATH_MAX), AT_EMPTY_PATH, 0, 0]);
        if stat < 0 {
            return Err(-stat);
        }
        let size = u64::from_le_bytes(io.slice(PATH_MAX + ST_SIZE, 8).try_into().unwrap());
        let pages = size.div_ceil(PAGE_SIZE).max(1);
        let gpa = with_memory(|mem, _| mem.frames.carve_top(pages)).ok_or(ENOMEM)?;
        read_file_into(fd, gpa, size, 0)?;
        Ok((gpa, size))
    };
    let result = read();
    hypercall::call(forwarded::CLOSE, [fd, 0, 0, 0, 0, 0]);
    result
}
