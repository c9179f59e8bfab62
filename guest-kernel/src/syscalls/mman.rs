//! The program's memory: brk, mmap (anonymous and private file mappings), munmap, mprotect,
//! mremap, madvise, all served by mm/memory.rs.

use crate::abi::errno::ENODEV;
use crate::host::calls::read_file_into;
use crate::mm::global::{with_memory, DirectMap};
use crate::mm::memory::{MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED};
use crate::mm::vma::PROT_WRITE;
use crate::syscalls::{result, Args};

/// MAP_SHARED_VALIDATE: MAP_SHARED that rejects unknown flags (both bits of the type field).
const MAP_SHARED_VALIDATE: u64 = 0x03;

pub fn sys_brk(a: &Args) -> i64 {
    with_memory(|mem, mmu| mem.brk(mmu, a[0])) as i64
}

pub fn sys_mmap(a: &Args) -> i64 {
    let (addr, len, prot, flags) = (a[0], a[1], a[2], a[3]);
    if flags & MAP_ANONYMOUS == 0 {
        // Writes to a shared writable mapping would have to reach the file: not supported,
        // with the error Linux gives for files that cannot be mapped so.
        if flags & MAP_SHARED != 0 && prot & PROT_WRITE as u64 != 0 {
            return -ENODEV;
        }
        let (fd, offset) = (a[4], a[5]);
        let private = (flags & !MAP_SHARED_VALIDATE) | MAP_PRIVATE;
        let mut read = |_: &mut DirectMap, gpa, len, at| read_file_into(fd, gpa, len, at);
        return result(with_memory(|mem, mmu| mem.mmap_file(mmu, (addr, len, prot, private), offset, &mut read)));
    }
    // A shared anonymous mapping behaves like a private one while there is one process.
    let flags = if flags & MAP_SHARED != 0 { (flags & !MAP_SHARED) | MAP_PRIVATE } else { flags };
    result(with_memory(|mem, mmu| mem.mmap(mmu, addr, len, prot, flags)))
}

pub fn sys_mremap(a: &Args) -> i64 {
    result(with_memory(|mem, mmu| mem.mremap(mmu, a[0], a[1], a[2], a[3], a[4])))
}

pub fn sys_munmap(a: &Args) -> i64 {
    result(with_memory(|mem, mmu| mem.munmap(mmu, a[0], a[1])))
}

pub fn sys_mprotect(a: &Args) -> i64 {
    result(with_memory(|mem, mmu| mem.mprotect(mmu, a[0], a[1], a[2])))
}

pub fn sys_msync(a: &Args) -> i64 {
    result(with_memory(|mem, _| mem.msync(a[0], a[1], a[2])))
}

pub fn sys_madvise(a: &Args) -> i64 {
    result(with_memory(|mem, mmu| mem.madvise(mmu, a[0], a[1], a[2])))
}
