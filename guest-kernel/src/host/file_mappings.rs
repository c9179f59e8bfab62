//! Shared file mappings (docs/guest-abi.md, "Shared file mappings"): their pages are the
//! kernel's frames, filled from the file when first touched (mm/memory.rs); what the program
//! writes there reaches the file when the kernel writes the pages the processor marked dirty back with
//! `pwrite64` from the frames: at msync, before munmap (or anything else that drops them), and
//! before fork, execve and the end of the process. The file stays reachable through an fd of
//! the kernel's own, a close-on-exec duplicate high in the fd table, so the program may close
//! its fd after mmap as on Linux.

use crate::abi::errno::{EACCES, EIO};
use crate::abi::linux::{AT_EMPTY_PATH, F_DUPFD_CLOEXEC, F_GETFL, O_ACCMODE, O_RDWR, PATH_MAX};
use crate::abi::stat::{ST_DEV, ST_INO, ST_SIZE};
use crate::host::forwarded;
use crate::host::hypercall;
use crate::host::io_buffer::IoBuffer;
use crate::mm::global::with_memory;
use crate::mm::shared::{MappedFile, SharedMapping, MAX_SHARED_MAPPINGS};

/// The lowest fd the kernel takes for a mapping's file: above the numbers programs use, so that
/// a program's next open gets the number it would get on Linux.
const MAPPING_FD_FLOOR: u64 = 512;

/// What a `MAP_SHARED` mapping of `fd` needs, as Linux decides it from the fd's open mode:
/// Ok(true) when the fd is open for reading and writing (the mapping is written back, so that
/// it may become writable later with mprotect too); Ok(false) when it is read-only and the
/// mapping is not writable (a copy of the file is all it needs); EACCES for a writable mapping
/// of an fd not open for writing.
pub fn needs_write_back(fd: u64, writable: bool) -> Result<bool, i64> {
    let flags = hypercall::call(forwarded::FCNTL, [fd, F_GETFL, 0, 0, 0, 0]);
    if flags < 0 {
        return Err(-flags);
    }
    let read_write = flags as u64 & O_ACCMODE == O_RDWR;
    if writable && !read_write {
        return Err(EACCES);
    }
    Ok(read_write)
}

/// The kernel's own reference to the file of `fd`: a duplicate fd and the file's identity.
pub fn hold_file(fd: u64) -> Result<MappedFile, i64> {
    let mut own = hypercall::call(forwarded::FCNTL, [fd, F_DUPFD_CLOEXEC, MAPPING_FD_FLOOR, 0, 0, 0]);
    if own < 0 {
        // A table smaller than the floor (the host's fd limit is configurable).
        own = hypercall::call(forwarded::FCNTL, [fd, F_DUPFD_CLOEXEC, 0, 0, 0, 0]);
    }
    if own < 0 {
        return Err(-own);
    }
    let own = own as u64;
    match stat(own) {
        Ok((dev, ino, _)) => Ok(MappedFile { fd: own, dev, ino }),
        Err(errno) => {
            let_go(own);
            Err(errno)
        }
    }
}

/// The `st_dev`, `st_ino` and `st_size` of the file open at `fd`.
fn stat(fd: u64) -> Result<(u64, u64, u64), i64> {
    let io = IoBuffer::get();
    io.slice(0, 1)[0] = 0;
    let result = hypercall::call(forwarded::NEWFSTATAT, [fd, io.at(0), io.at(PATH_MAX), AT_EMPTY_PATH, 0, 0]);
    if result < 0 {
        return Err(-result);
    }
    let word = |at: usize| u64::from_le_bytes(io.slice(PATH_MAX + at, 8).try_into().unwrap());
    Ok((word(ST_DEV), word(ST_INO), word(ST_SIZE)))
}

/// Closes the kernel's fd of a mapping's file.
pub fn let_go(fd: u64) {
    hypercall::call(forwarded::CLOSE, [fd, 0, 0, 0, 0, 0]);
}

/// Closes the fds of files no mapping uses any more (after anything that unmapped pages).
pub fn release_unused() {
    while let Some(fd) = with_memory(|mem, _| mem.shared.take_unused_fd()) {
        let_go(fd);
    }
}

/// Writes the dirty pages of the shared mappings in `[start, end)` back to their files,
/// stopping at the first that fails.
pub fn write_back(start: u64, end: u64) -> Result<(), i64> {
    // Asked on every munmap: the common answer must not pay for the array below (each kernel
    // instruction is emulated).
    if !with_memory(|mem, _| mem.shared.overlaps(start, end)) {
        return Ok(());
    }
    let mut pieces = [SharedMapping::NONE; MAX_SHARED_MAPPINGS];
    let count = with_memory(|mem, _| mem.shared.overlapping(start, end, &mut pieces));
    pieces[..count].iter().try_for_each(write_back_piece)
}

/// Writes back every mapping of the file `dev`/`ino`, so that a new mapping of it starts
/// from what the others hold.
pub fn write_back_file(dev: u64, ino: u64) -> Result<(), i64> {
    let mut mappings = [SharedMapping::NONE; MAX_SHARED_MAPPINGS];
    let count = with_memory(|mem, _| mem.shared.of_file(dev, ino, &mut mappings));
    mappings[..count].iter().try_for_each(write_back_piece)
}

/// Writes back every shared mapping (before fork, execve and the end of the process); a file
/// that cannot take its bytes loses them, as nothing is left to report it to.
pub fn write_back_all() {
    if with_memory(|mem, _| mem.shared.is_empty()) {
        return;
    }
    let mut pieces = [SharedMapping::NONE; MAX_SHARED_MAPPINGS];
    let count = with_memory(|mem, _| mem.shared.overlapping(0, u64::MAX, &mut pieces));
    for piece in &pieces[..count] {
        let _ = write_back_piece(piece);
    }
}

/// Flushes the file's bytes to its storage (msync with MS_SYNC).
pub fn sync(start: u64, end: u64) -> Result<(), i64> {
    let mut pieces = [SharedMapping::NONE; MAX_SHARED_MAPPINGS];
    let count = with_memory(|mem, _| mem.shared.overlapping(start, end, &mut pieces));
    for piece in &pieces[..count] {
        let result = hypercall::call(forwarded::FSYNC, [piece.file.fd, 0, 0, 0, 0, 0]);
        if result < 0 {
            return Err(-result);
        }
    }
    Ok(())
}

/// Writes the dirty pages of `piece` to its file, only the bytes before the file's end (as on
/// Linux, writing to a mapping never makes its file longer). The fd is checked to be the file
/// it was at mmap first (the program may have closed the kernel's fd and opened another file
/// there): EIO, writing nothing, when it is not.
fn write_back_piece(piece: &SharedMapping) -> Result<(), i64> {
    let mut file_size = None;
    with_memory(|mem, mmu| {
        mem.tables.take_dirty(mmu, piece.start, piece.end, &mut |va, gpa, len| {
            let size = match file_size {
                Some(size) => size,
                None => {
                    let (dev, ino, size) = stat(piece.file.fd)?;
                    if (dev, ino) != (piece.file.dev, piece.file.ino) {
                        return Err(EIO);
                    }
                    *file_size.insert(size)
                }
            };
            let offset = piece.offset + (va - piece.start);
            write_file_from(piece.file.fd, gpa, len.min(size.saturating_sub(offset)), offset)
        })
    })
}

/// Writes `len` bytes of guest RAM at `gpa` to `fd` at `offset` (the host accepts any GPA
/// inside guest RAM for the kernel's pwrite64, as for its pread64).
fn write_file_from(fd: u64, gpa: u64, len: u64, offset: u64) -> Result<(), i64> {
    let mut done = 0u64;
    while done < len {
        let result = hypercall::call(forwarded::PWRITE64, [fd, gpa + done, len - done, offset + done, 0, 0]);
        if result < 0 {
            return Err(-result);
        }
        if result == 0 {
            return Err(EIO);
        }
        done += (result as u64).min(len - done);
    }
    Ok(())
}
