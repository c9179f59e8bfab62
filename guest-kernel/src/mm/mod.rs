//! Memory: the frame allocator (`frame`), page tables (`paging`), the map of areas (`vma`), the
//! program's address space built from them (`memory`: brk, mmap, demand paging), the seam to
//! the machine (`mmu`), and, in the kernel only, that address space over the host's direct map
//! (`global`) and the copies in and out of the program's memory (`user`).

pub mod frame;
pub mod memory;
pub mod mmu;
pub mod paging;
pub mod shared;
pub mod vma;

#[cfg(not(test))]
pub mod global;
#[cfg(not(test))]
pub mod user;
