//! The program's memory: brk, mmap (anonymous, private and shared file mappings), munmap,
//! mprotect, mremap, madvise, msync, served by mm/memory.rs; the files of shared mappings are
//! written back by host/file_mappings.rs.

use crate::abi::errno::{EINVAL, ENOMEM};
use crate::host::calls::read_file_into;
use crate::host::file_mappings::{self, hold_file, let_go, needs_write_back, release_unused, write_back, write_back_file};
use crate::mm::global::{with_memory, DirectMap};
use crate::mm::memory::{page_ceil, MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_PRIVATE, MAP_SHARED, MREMAP_FIXED, MREMAP_MAYMOVE, MS_SYNC};
use crate::mm::shared::SharedMapping;
use crate::mm::vma::PROT_WRITE;
use crate::syscalls::{result, Args};

/// madvise's default advice: nothing to do.
const MADV_NORMAL: u64 = 0;

/// MAP_SHARED_VALIDATE: MAP_SHARED that rejects unknown flags (both bits of the type field).
const MAP_SHARED_VALIDATE: u64 = 0x03;

pub fn sys_brk(a: &Args) -> i64 {
    with_memory(|mem, mmu| mem.brk(mmu, a[0])) as i64
}

pub fn sys_mmap(a: &Args) -> i64 {
    let (addr, len, prot, flags) = (a[0], a[1], a[2], a[3]);
    if flags & MAP_ANONYMOUS == 0 {
        let fd = a[4];
        let shared = flags & MAP_SHARED != 0;
        let tracked = match shared.then(|| needs_write_back(fd, prot & PROT_WRITE as u64 != 0)) {
            Some(Err(errno)) => return -errno,
            Some(Ok(tracked)) => tracked,
            None => false,
        };
        let result = if tracked { mmap_shared_file(a) } else { mmap_file_copy(a, fd) };
        release_unused();
        return result;
    }
    if let Err(errno) = write_back_replaced(addr, len, flags) {
        return -errno;
    }
    // A shared anonymous mapping behaves like a private one while there is one process.
    let flags = if flags & MAP_SHARED != 0 { (flags & !MAP_SHARED) | MAP_PRIVATE } else { flags };
    let result = result(with_memory(|mem, mmu| mem.mmap(mmu, addr, len, prot, flags)));
    release_unused();
    result
}

/// A private file mapping, or a shared one that can never be written: the file's bytes as
/// they are now.
fn mmap_file_copy(a: &Args, fd: u64) -> i64 {
    let (addr, len, prot, flags, offset) = (a[0], a[1], a[2], a[3], a[5]);
    if let Err(errno) = write_back_replaced(addr, len, flags) {
        return -errno;
    }
    // MAP_SHARED_VALIDATE is MAP_SHARED to the memory manager, which keeps shared ones read-only.
    let flags = if flags & MAP_SHARED != 0 { (flags & !MAP_SHARED_VALIDATE) | MAP_SHARED } else { flags };
    let mut read = |_: &mut DirectMap, gpa, len, at| read_file_into(fd, gpa, len, at);
    result(with_memory(|mem, mmu| mem.mmap_file(mmu, (addr, len, prot, flags), offset, &mut read)))
}

/// A shared mapping of a file open for reading and writing (pages filled when first touched,
/// mm/memory.rs), after the other mappings of the file in this process wrote theirs back.
fn mmap_shared_file(a: &Args) -> i64 {
    let (addr, len, prot, flags, fd, offset) = (a[0], a[1], a[2], a[3], a[4], a[5]);
    if !with_memory(|mem, _| mem.shared.has_room()) {
        return -ENOMEM;
    }
    let file = match hold_file(fd) {
        Ok(file) => file,
        Err(errno) => return -errno,
    };
    let mapped = write_back_file(file.dev, file.ino).and_then(|()| write_back_replaced(addr, len, flags)).and_then(|()| {
        let private = (flags & !MAP_SHARED_VALIDATE) | MAP_PRIVATE;
        with_memory(|mem, mmu| mem.mmap_shared_file(mmu, (addr, len, prot, private), offset, file))
    });
    if mapped.is_err() {
        let_go(file.fd);
    }
    result(mapped)
}

/// Writes back the shared pages a fixed mapping is about to replace.
fn write_back_replaced(addr: u64, len: u64, flags: u64) -> Result<(), i64> {
    if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 {
        if let Some(end) = page_ceil(len).and_then(|l| addr.checked_add(l)) {
            write_back(addr, end)?;
        }
    }
    Ok(())
}

/// mremap(2): a shared file mapping is written back first and moves with its pages; what it
/// grows by is filled from the file when first touched.
pub fn sys_mremap(a: &Args) -> i64 {
    let (old, old_len, new_len, flags, new_addr) = (a[0], a[1], a[2], a[3], a[4]);
    // A fixed target replaces what was there.
    if let (true, Some(l)) = (flags & MREMAP_FIXED != 0, page_ceil(new_len)) {
        if let Err(errno) = write_back(new_addr, new_addr.saturating_add(l)) {
            return -errno;
        }
    }
    let old_end = page_ceil(old_len).and_then(|l| old.checked_add(l));
    let shared = old_end.is_some_and(|end| with_memory(|mem, _| mem.shared.overlaps(old, end)));
    if !shared {
        let outcome = with_memory(|mem, mmu| mem.mremap(mmu, old, old_len, new_len, flags, new_addr));
        release_unused();
        return result(outcome);
    }
    let mut old_end = old_end.unwrap_or(old);
    if let Err(errno) = write_back(old, old_end) {
        return -errno;
    }
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED) != 0 || (flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0) {
        return -EINVAL;
    }
    // A shrink first unmaps the tail while the mapping is recorded, so that frames another
    // mapping of the file shares stay that mapping's.
    let kept = page_ceil(new_len).unwrap_or(0);
    if kept > 0 && old + kept < old_end {
        if let Err(errno) = with_memory(|mem, mmu| mem.munmap(mmu, old + kept, old_end - old - kept)) {
            return -errno;
        }
        old_end = old + kept;
    }
    let Some(piece) = with_memory(|mem, _| mem.shared.detach(old, old_end)) else {
        // The range spans more than one mapping: Linux moves one area at a time.
        return -EINVAL;
    };
    let moved = with_memory(|mem, mmu| mem.mremap(mmu, old, old_end - old, new_len, flags, new_addr));
    let outcome = with_memory(|mem, _| match moved {
        Ok(start) => {
            let end = start + page_ceil(new_len).unwrap_or(0);
            mem.shared.insert(SharedMapping { start, end, ..piece })?;
            Ok(start)
        }
        Err(errno) => {
            mem.shared.insert(piece)?;
            Err(errno)
        }
    });
    release_unused();
    result(outcome)
}

pub fn sys_munmap(a: &Args) -> i64 {
    let (addr, len) = (a[0], a[1]);
    if let Some(end) = page_ceil(len).and_then(|l| addr.checked_add(l)) {
        if let Err(errno) = write_back(addr, end) {
            return -errno;
        }
    }
    let result = result(with_memory(|mem, mmu| mem.munmap(mmu, addr, len)));
    release_unused();
    result
}

pub fn sys_mprotect(a: &Args) -> i64 {
    result(with_memory(|mem, mmu| mem.mprotect(mmu, a[0], a[1], a[2])))
}

/// msync(2): writes the dirty pages of shared file mappings in the range back to their files
/// now, for MS_ASYNC too (the host keeps no dirty pages of its own to write later); MS_SYNC
/// then flushes the files to their storage, as Linux does.
pub fn sys_msync(a: &Args) -> i64 {
    let (addr, flags) = (a[0], a[2]);
    let end = match with_memory(|mem, _| mem.msync(addr, a[1], flags)) {
        Ok(end) => end,
        Err(errno) => return -errno,
    };
    let written = write_back(addr, end).and_then(|()| if flags & MS_SYNC != 0 { file_mappings::sync(addr, end) } else { Ok(()) });
    result(written.map(|()| 0))
}

/// madvise(2). Dropping pages of a shared file mapping (MADV_DONTNEED, MADV_FREE) would have
/// them read back as zeros instead of the file: they are written back and kept instead, which
/// reads the same as Linux's reloading them from the file.
pub fn sys_madvise(a: &Args) -> i64 {
    let (addr, len, advice) = (a[0], a[1], a[2]);
    let end = page_ceil(len).and_then(|l| addr.checked_add(l));
    if let Some(end) = end.filter(|&end| with_memory(|mem, _| mem.shared.overlaps(addr, end))) {
        if let Err(errno) = write_back(addr, end) {
            return -errno;
        }
        return result(with_memory(|mem, mmu| mem.madvise(mmu, addr, len, MADV_NORMAL)));
    }
    result(with_memory(|mem, mmu| mem.madvise(mmu, addr, len, advice)))
}
