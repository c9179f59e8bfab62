//! The program's memory: brk, anonymous mmap/munmap/mprotect/madvise, demand paging and the
//! checks on user pointers. Pages are allocated on first touch, a 64 KiB block at a time, or a
//! whole 2 MiB large page where an anonymous area, the heap or the stack covers it, because
//! under PVM every fault and every kernel instruction is a trip to the hypervisor.

use crate::abi::errno::{EACCES, EEXIST, EFAULT, EINVAL, ENOMEM};
use crate::abi::host::{DOOR_VA, PAGE_SIZE, USER_BOTTOM, USER_TOP};
use crate::mm::frame::FrameAllocator;
use crate::mm::mmu::Mmu;
use crate::mm::paging::{leaf_flags, PageTables, ADDRESS_MASK, LARGE_PAGE_SIZE, PTE_DIRTY, PTE_PRESENT, PTE_PROT_NONE, PTE_WRITABLE};
use crate::mm::shared::{MappedFile, SharedMapping, SharedMappings, MAX_SHARED_MAPPINGS};
use crate::mm::vma::{Vma, VmaError, VmaKind, VmaMap, PROT_EXEC, PROT_MASK, PROT_READ, PROT_WRITE};

pub const MAP_SHARED: u64 = 0x01;
pub const MAP_PRIVATE: u64 = 0x02;
pub const MAP_FIXED: u64 = 0x10;
pub const MAP_ANONYMOUS: u64 = 0x20;
pub const MAP_NORESERVE: u64 = 0x4000;
pub const MAP_POPULATE: u64 = 0x8000;
pub const MAP_FIXED_NOREPLACE: u64 = 0x10_0000;

pub const MREMAP_MAYMOVE: u64 = 1;
pub const MREMAP_FIXED: u64 = 2;
pub const MREMAP_DONTUNMAP: u64 = 4;

/// Most pages filled by one host read when a file is mapped (4 MiB).
const FILE_READ_PAGES: u64 = 1024;

pub const MADV_DONTNEED: u64 = 4;
pub const MADV_FREE: u64 = 8;
pub const MS_ASYNC: u64 = 1;
pub const MS_INVALIDATE: u64 = 2;
pub const MS_SYNC: u64 = 4;

/// Top of the main stack (its last page stays unmapped as a guard against overruns).
pub const STACK_TOP: u64 = USER_TOP - PAGE_SIZE;

/// End of what a program may map, move or unmap: the system-call door's page lies above it
/// (proc/vdso.rs), as Linux keeps its own pages above TASK_SIZE.
pub const PROGRAM_TOP: u64 = DOOR_VA;
/// Program segments end below this address; the mmap area and the stack lie above it.
pub const IMAGE_LIMIT: u64 = 0x0000_6000_0000_0000;
/// Gap between the lowest stack address and the highest mmap area.
const STACK_GAP: u64 = 1 << 30;
/// Pages mapped together on a demand fault (aligned block around the faulting address).
pub const FAULT_AROUND: u64 = 16 * PAGE_SIZE;

/// What the faulting access wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Execute,
}

impl Access {
    fn prot(self) -> u32 {
        match self {
            Access::Read => PROT_READ,
            Access::Write => PROT_WRITE,
            Access::Execute => PROT_EXEC,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultOutcome {
    /// Pages were mapped (or a stale entry fixed): retry the access.
    Resolved,
    /// No area allows this access: the program gets SIGSEGV.
    Violation,
    /// The area allows it but no frame is left.
    OutOfMemory,
}

pub const fn page_floor(x: u64) -> u64 {
    x & !(PAGE_SIZE - 1)
}

pub fn page_ceil(x: u64) -> Option<u64> {
    x.checked_add(PAGE_SIZE - 1).map(page_floor)
}

/// Leaf page flags for a VMA protection.
pub fn prot_flags(prot: u32) -> u64 {
    leaf_flags(prot & PROT_READ != 0, prot & PROT_WRITE != 0, prot & PROT_EXEC != 0)
}

/// The address space of the program: areas, page tables, frames, heap.
pub struct Memory {
    pub tables: PageTables,
    pub frames: FrameAllocator,
    pub vmas: VmaMap,
    /// Which pages are shared mappings of which files (written back by host/file_mappings.rs
    /// before their pages go: unmapping a range takes it out of them).
    pub shared: SharedMappings,
    brk_start: u64,
    brk: u64,
    mmap_bottom: u64,
    mmap_top: u64,
    /// Whether a request of the program was refused for lack of free frames: the memory
    /// limit was reached (the kernel tells the host at exit or fault).
    pub memory_limit_reached: bool,
    /// How pages of shared file mappings are filled when first touched: `(fd, gpa, len,
    /// offset)` reads the file into frames (the kernel's host read, set at boot).
    pub file_reader: Option<FileReader>,
}

/// Reads `len` bytes of the file open at `fd`, from `offset`, into guest RAM at `gpa`.
pub type FileReader = fn(u64, u64, u64, u64) -> Result<(), i64>;

impl Memory {
    pub const fn new(tables: PageTables, frames: FrameAllocator) -> Self {
        Memory { tables, frames, vmas: VmaMap::new(), shared: SharedMappings::new(), brk_start: 0, brk: 0, mmap_bottom: IMAGE_LIMIT, mmap_top: IMAGE_LIMIT, memory_limit_reached: false, file_reader: None }
    }

    /// Takes over the address space rooted at `tables` with the frames of `frames`, in place
    /// (the VMA table is large, and copying it costs under instruction emulation).
    pub fn init(&mut self, tables: PageTables, frames: FrameAllocator) {
        self.tables = tables;
        self.frames = frames;
    }

    /// Fixes the heap start (after the image) and the mmap area (below the stack).
    pub fn set_layout(&mut self, brk_start: u64, stack_bottom: u64) {
        self.brk_start = brk_start;
        self.brk = brk_start;
        self.mmap_bottom = IMAGE_LIMIT;
        self.mmap_top = page_floor(stack_bottom.saturating_sub(STACK_GAP)).max(IMAGE_LIMIT);
    }

    /// Whether `pages` frames are more than are free; if so, notes that the limit was reached.
    fn short_of_frames(&mut self, pages: u64) -> bool {
        let short = pages > self.frames.available();
        self.memory_limit_reached |= short;
        short
    }

    /// Adds an area and maps it all now (program image, the stack's first pages).
    pub fn map_now(&mut self, mmu: &mut impl Mmu, vma: Vma) -> Result<(), i64> {
        self.vmas.insert(vma).map_err(|_| ENOMEM)?;
        self.tables.map_fresh(mmu, &mut self.frames, vma.start, vma.end, prot_flags(vma.prot)).map_err(|_| ENOMEM)?;
        Ok(())
    }

    /// Maps already-reserved pages `[start, end)` now, with their area's protection.
    pub fn populate(&mut self, mmu: &mut impl Mmu, start: u64, end: u64) -> Result<(), i64> {
        let vma = self.vmas.find(start).ok_or(ENOMEM)?;
        self.tables.map_fresh(mmu, &mut self.frames, start, end.min(vma.end), prot_flags(vma.prot)).map_err(|_| ENOMEM)?;
        Ok(())
    }

    /// Copies `bytes` to user address `va` through the page tables (pages must hold frames),
    /// whatever their protection: used to fill the image and the initial stack.
    pub fn write_through_tables(&mut self, mmu: &mut impl Mmu, mut va: u64, mut bytes: &[u8]) -> Result<(), i64> {
        while !bytes.is_empty() {
            let entry = self.tables.entry(mmu, va);
            if entry & (PTE_PRESENT | PTE_PROT_NONE) == 0 {
                return Err(ENOMEM);
            }
            let offset = (va % PAGE_SIZE) as usize;
            let n = bytes.len().min(PAGE_SIZE as usize - offset);
            mmu.bytes(entry & ADDRESS_MASK)[offset..offset + n].copy_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            va += n as u64;
        }
        Ok(())
    }

    /// Whether the program may access `[start, start + len)` as `need` (a PROT_* mask).
    pub fn check_user(&self, start: u64, len: u64, need: u32) -> bool {
        if len == 0 {
            return true;
        }
        match start.checked_add(len) {
            Some(end) if start >= USER_BOTTOM && end <= USER_TOP => self.vmas.covers(start, end, need),
            _ => false,
        }
    }

    /// The guest-physical address of user byte `va`, its page mapped first if it is not there
    /// yet (the kernel copies through the direct map, never through user addresses). The caller
    /// has checked that the page's area allows `access`; EFAULT if none does after all, ENOMEM
    /// when no frame is left for the page.
    pub fn user_byte(&mut self, mmu: &mut impl Mmu, va: u64, access: Access) -> Result<u64, i64> {
        let needed = PTE_PRESENT | if access == Access::Write { PTE_WRITABLE } else { 0 };
        let mut entry = self.tables.entry(mmu, va);
        if entry & needed != needed {
            match self.handle_fault(mmu, va, access) {
                FaultOutcome::Resolved => entry = self.tables.entry(mmu, va),
                FaultOutcome::Violation => return Err(EFAULT),
                FaultOutcome::OutOfMemory => return Err(ENOMEM),
            }
        }
        if entry & needed != needed {
            return Err(EFAULT);
        }
        // What the kernel writes into a shared file mapping must be written back too.
        if access == Access::Write && entry & PTE_DIRTY == 0 && self.shared.overlaps(va, va + 1) {
            self.tables.mark_dirty(mmu, va);
        }
        Ok((entry & ADDRESS_MASK) + va % PAGE_SIZE)
    }

    /// Serves a page fault at `addr`: maps the aligned block around it if an area allows it.
    pub fn handle_fault(&mut self, mmu: &mut impl Mmu, addr: u64, access: Access) -> FaultOutcome {
        let Some(vma) = self.vmas.find(addr) else { return FaultOutcome::Violation };
        if !vma.allows(access.prot()) {
            return FaultOutcome::Violation;
        }
        let page = page_floor(addr);
        let (entry, large_room) = self.tables.entry_and_large_room(mmu, page);
        let large = addr & !(LARGE_PAGE_SIZE - 1);
        let large_fits = large >= vma.start && large + LARGE_PAGE_SIZE <= vma.end;
        if entry & (PTE_PRESENT | PTE_PROT_NONE) != 0 {
            // The area allows the access, so the entry or the TLB is stale: refresh both (a
            // large page whole when the area covers it, so that it need not be split).
            let (from, to) = if large_fits && self.tables.is_large(mmu, page) { (large, large + LARGE_PAGE_SIZE) } else { (page, page + PAGE_SIZE) };
            if self.tables.protect(mmu, &mut self.frames, from, to, prot_flags(vma.prot)).is_err() {
                self.memory_limit_reached = true;
                return FaultOutcome::OutOfMemory;
            }
            return FaultOutcome::Resolved;
        }
        let flags = prot_flags(vma.prot);
        if vma.kind == VmaKind::File {
            if let Some(mapping) = self.shared.find(addr) {
                return self.fill_shared(mmu, vma, mapping, page, flags);
            }
        }
        if large_fits
            && large_room
            && matches!(vma.kind, VmaKind::Anonymous | VmaKind::Heap | VmaKind::Stack)
            && self.tables.map_large(mmu, &mut self.frames, large, flags) == Ok(true)
        {
            return FaultOutcome::Resolved;
        }
        let block = addr & !(FAULT_AROUND - 1);
        let (start, end) = (block.max(vma.start), (block + FAULT_AROUND).min(vma.end));
        if self.tables.map_fresh(mmu, &mut self.frames, start, end, flags).is_ok()
            || self.tables.map_fresh(mmu, &mut self.frames, page, page + PAGE_SIZE, flags).is_ok()
        {
            FaultOutcome::Resolved
        } else {
            self.memory_limit_reached = true;
            FaultOutcome::OutOfMemory
        }
    }

    /// Fills the pages without frames around `page` of a shared file mapping from its file,
    /// within the 2 MiB of `page`'s page table (one host read per 4 MiB run of frames), or
    /// `page` alone when frames are short. A failed read is a violation (Linux sends SIGBUS).
    fn fill_shared(&mut self, mmu: &mut impl Mmu, vma: Vma, mapping: SharedMapping, page: u64, flags: u64) -> FaultOutcome {
        let Some(read) = self.file_reader else { return FaultOutcome::Violation };
        if self.shared.has_twin(&mapping) {
            // Another mapping of the file may hold this file page: the two share its frame, so
            // that each sees the other's writes. Page by page, as mappings rarely overlap.
            if let Some(frame) = self.twin_frame(mmu, mapping, page) {
                return match self.tables.map_existing(mmu, &mut self.frames, page, page + PAGE_SIZE, flags, frame) {
                    Ok(_) => FaultOutcome::Resolved,
                    Err(_) => FaultOutcome::OutOfMemory,
                };
            }
            let mut reader = |_: &mut _, gpa, len, at| read(mapping.file.fd, gpa, len, at);
            return match self.fill_from_file(mmu, page, page + PAGE_SIZE, flags, mapping.offset + (page - mapping.start), &mut reader) {
                Ok(()) => FaultOutcome::Resolved,
                Err(ENOMEM) => FaultOutcome::OutOfMemory,
                Err(_) => FaultOutcome::Violation,
            };
        }
        let chunk = page & !(LARGE_PAGE_SIZE - 1);
        let low = chunk.max(vma.start).max(mapping.start);
        let high = (chunk + LARGE_PAGE_SIZE).min(vma.end).min(mapping.end);
        let (start, end) = self.tables.unmapped_run(mmu, low, high, page);
        let mut reader = |_: &mut _, gpa, len, at| read(mapping.file.fd, gpa, len, at);
        let mut fill = |mem: &mut Self, start: u64, end: u64| {
            mem.fill_from_file(mmu, start, end, flags, mapping.offset + (start - mapping.start), &mut reader)
        };
        let mut filled = fill(self, start, end);
        if filled == Err(ENOMEM) && end - start > PAGE_SIZE {
            filled = fill(self, page, page + PAGE_SIZE);
        }
        match filled {
            Ok(()) => FaultOutcome::Resolved,
            Err(ENOMEM) => FaultOutcome::OutOfMemory,
            Err(_) => FaultOutcome::Violation,
        }
    }

    /// The frame another shared mapping of the same file holds for the file page at `va` of
    /// `mapping`, if one does.
    fn twin_frame(&self, mmu: &mut impl Mmu, mapping: SharedMapping, va: u64) -> Option<u64> {
        self.shared.twins_of(mapping, va).find_map(|twin| {
            let entry = self.tables.entry(mmu, twin);
            (entry & (PTE_PRESENT | PTE_PROT_NONE) != 0).then_some(entry & ADDRESS_MASK)
        })
    }

    /// Before the pages of `[start, end)` go: a page whose frame another shared mapping of
    /// the same file still holds leaves it that mapping's (its entry is cleared, the frame not
    /// freed). Of two such pages going at once the first leaves the frame to the second, which
    /// frees it.
    fn keep_twin_frames(&mut self, mmu: &mut impl Mmu, start: u64, end: u64) {
        let mut pieces = [SharedMapping::NONE; MAX_SHARED_MAPPINGS];
        let count = self.shared.overlapping(start, end, &mut pieces);
        for piece in &pieces[..count] {
            let Some(whole) = self.shared.find(piece.start) else { continue };
            if !self.shared.has_twin(&whole) {
                continue;
            }
            for va in (piece.start..piece.end).step_by(PAGE_SIZE as usize) {
                let entry = self.tables.entry(mmu, va);
                let frame = entry & ADDRESS_MASK;
                if entry & (PTE_PRESENT | PTE_PROT_NONE) != 0 && self.twin_frame(mmu, whole, va) == Some(frame) {
                    // File pages are never large: nothing to split, so this cannot fail.
                    let _ = self.tables.forget(mmu, &mut self.frames, va);
                }
            }
        }
    }

    /// mmap(2) of a file, shared, for an fd open for reading and writing: the area is
    /// recorded as the file's (`shared`), and its pages are filled from the file when first
    /// touched (`handle_fault`), so that a mapping larger than RAM costs only what is touched.
    pub fn mmap_shared_file(&mut self, mmu: &mut impl Mmu, request: (u64, u64, u64, u64), offset: u64, file: MappedFile) -> Result<u64, i64> {
        let (addr, len, prot, flags) = request;
        if offset % PAGE_SIZE != 0 {
            return Err(EINVAL);
        }
        if !self.shared.has_room() {
            return Err(ENOMEM);
        }
        let start = self.map_area(mmu, addr, len, prot, flags & !MAP_POPULATE, VmaKind::File)?;
        let end = start + page_ceil(len).ok_or(ENOMEM)?;
        self.shared.insert(SharedMapping { start, end, offset, file })?;
        Ok(start)
    }

    /// brk(2): moves the program break; returns the (possibly unchanged) break.
    pub fn brk(&mut self, mmu: &mut impl Mmu, requested: u64) -> u64 {
        if requested < self.brk_start || requested >= IMAGE_LIMIT {
            return self.brk;
        }
        let (old_end, new_end) = (page_ceil(self.brk).unwrap(), page_ceil(requested).unwrap());
        if new_end > old_end {
            let grow_pages = (new_end - old_end) / PAGE_SIZE;
            if self.vmas.overlaps(old_end, new_end) || self.short_of_frames(grow_pages) {
                return self.brk;
            }
            let result = if old_end == self.brk_start {
                self.vmas.insert(Vma::new(self.brk_start, new_end, PROT_READ | PROT_WRITE, VmaKind::Heap))
            } else {
                self.vmas.resize_ending_at(old_end, new_end)
            };
            if result.is_err() {
                return self.brk;
            }
        } else if new_end < old_end {
            let result = if new_end == self.brk_start {
                self.vmas.remove(new_end, old_end)
            } else {
                self.vmas.resize_ending_at(old_end, new_end)
            };
            if result.is_err() {
                return self.brk;
            }
            self.tables.unmap(mmu, &mut self.frames, new_end, old_end);
        }
        self.brk = requested;
        self.brk
    }

    /// mmap(2) of anonymous memory.
    pub fn mmap(&mut self, mmu: &mut impl Mmu, addr: u64, len: u64, prot: u64, flags: u64) -> Result<u64, i64> {
        self.map_area(mmu, addr, len, prot, flags, VmaKind::Anonymous)
    }

    /// A free range of `len` bytes in the mmap area, as mmap would choose it.
    pub fn free_area(&self, len: u64) -> Option<u64> {
        self.vmas.find_free(len, self.mmap_bottom, self.mmap_top)
    }

    /// mmap(2) of a file, private (or shared, of an fd open read-only: the same copy, but
    /// never writable): the pages are filled now, in physically contiguous runs,
    /// by `read(mmu, gpa, len, file_offset)` (one host read per run: under PVM every fault is
    /// a trip to the hypervisor, so demand paging a file page by page would cost more). Bytes
    /// past the end of the file read as zeros.
    pub fn mmap_file<M: Mmu>(
        &mut self,
        mmu: &mut M,
        request: (u64, u64, u64, u64),
        offset: u64,
        read: &mut impl FnMut(&mut M, u64, u64, u64) -> Result<(), i64>,
    ) -> Result<u64, i64> {
        let (addr, len, prot, flags) = request;
        if offset % PAGE_SIZE != 0 {
            return Err(EINVAL);
        }
        let kind = if flags & MAP_SHARED != 0 { VmaKind::ReadOnlySharedFile } else { VmaKind::File };
        let start = self.map_area(mmu, addr, len, prot, flags & !MAP_POPULATE, kind)?;
        let end = start + page_ceil(len).ok_or(ENOMEM)?;
        if let Err(errno) = self.fill_from_file(mmu, start, end, prot_flags((prot as u32) & PROT_MASK), offset, read) {
            self.unmap_range(mmu, start, end)?;
            return Err(errno);
        }
        Ok(start)
    }

    fn fill_from_file<M: Mmu>(
        &mut self,
        mmu: &mut M,
        start: u64,
        end: u64,
        flags: u64,
        offset: u64,
        read: &mut impl FnMut(&mut M, u64, u64, u64) -> Result<(), i64>,
    ) -> Result<(), i64> {
        if self.short_of_frames((end - start) / PAGE_SIZE) {
            return Err(ENOMEM);
        }
        let mut va = start;
        while va < end {
            let wanted = ((end - va) / PAGE_SIZE).min(FILE_READ_PAGES);
            let (frame, count) = self.frames.alloc_run_to_overwrite(mmu, wanted).ok_or(ENOMEM)?;
            let run_end = va + count * PAGE_SIZE;
            let file_offset = offset.checked_add(va - start).ok_or(EINVAL)?;
            let filled = read(mmu, frame, count * PAGE_SIZE, file_offset).and_then(|()| {
                self.tables.map_existing(mmu, &mut self.frames, va, run_end, flags, frame).map_err(|_| ENOMEM)
            });
            if let Err(errno) = filled {
                for page in 0..count {
                    self.frames.free(mmu, frame + page * PAGE_SIZE);
                }
                return Err(errno);
            }
            va = run_end;
        }
        Ok(())
    }

    fn map_area(&mut self, mmu: &mut impl Mmu, addr: u64, len: u64, prot: u64, flags: u64, kind: VmaKind) -> Result<u64, i64> {
        if len == 0 || flags & (MAP_SHARED | MAP_PRIVATE) == 0 {
            return Err(EINVAL);
        }
        let len = page_ceil(len).ok_or(ENOMEM)?;
        let prot = (prot as u32) & PROT_MASK;
        // A writable mapping needs its frames in reserve, unless it says it does not: Linux's
        // MAP_NORESERVE (V8's heap reservations) is accepted whatever its size and fails only
        // when a touched page finds no frame.
        if prot & PROT_WRITE != 0 && flags & MAP_NORESERVE == 0 && self.short_of_frames(len / PAGE_SIZE) {
            return Err(ENOMEM);
        }
        let fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
        let start = if fixed {
            if addr % PAGE_SIZE != 0 {
                return Err(EINVAL);
            }
            if addr < USER_BOTTOM || addr.checked_add(len).is_none_or(|end| end > PROGRAM_TOP) {
                return Err(ENOMEM);
            }
            if self.vmas.overlaps(addr, addr + len) {
                if flags & MAP_FIXED_NOREPLACE != 0 {
                    return Err(EEXIST);
                }
                self.unmap_range(mmu, addr, addr + len)?;
            }
            addr
        } else {
            let hint = page_floor(addr);
            let hint_free = hint >= USER_BOTTOM
                && hint.checked_add(len).is_some_and(|end| end <= PROGRAM_TOP && !self.vmas.overlaps(hint, end));
            if hint_free {
                hint
            } else if kind == VmaKind::Anonymous && len >= LARGE_PAGE_SIZE {
                // Large areas start on a 2 MiB boundary, so that first touches map large pages.
                match self.vmas.find_free(len + LARGE_PAGE_SIZE - PAGE_SIZE, self.mmap_bottom, self.mmap_top) {
                    Some(room) => (room + LARGE_PAGE_SIZE - PAGE_SIZE) & !(LARGE_PAGE_SIZE - 1),
                    None => self.vmas.find_free(len, self.mmap_bottom, self.mmap_top).ok_or(ENOMEM)?,
                }
            } else {
                self.vmas.find_free(len, self.mmap_bottom, self.mmap_top).ok_or(ENOMEM)?
            }
        };
        self.vmas.insert(Vma::new(start, start + len, prot, kind)).map_err(|_| ENOMEM)?;
        if flags & MAP_POPULATE != 0 && prot != 0 {
            // Populating is an optimisation: on failure the pages still come on demand.
            let _ = self.tables.map_fresh(mmu, &mut self.frames, start, start + len, prot_flags(prot));
        }
        Ok(start)
    }

    fn unmap_range(&mut self, mmu: &mut impl Mmu, start: u64, end: u64) -> Result<(), i64> {
        if !self.shared.is_empty() {
            self.keep_twin_frames(mmu, start, end);
        }
        self.shared.remove(start, end)?;
        self.vmas.remove(start, end).map_err(|_| ENOMEM)?;
        self.tables.unmap(mmu, &mut self.frames, start, end);
        Ok(())
    }

    /// munmap(2).
    pub fn munmap(&mut self, mmu: &mut impl Mmu, addr: u64, len: u64) -> Result<u64, i64> {
        if addr % PAGE_SIZE != 0 || len == 0 {
            return Err(EINVAL);
        }
        let end = page_ceil(len).and_then(|l| addr.checked_add(l)).ok_or(EINVAL)?;
        if end > PROGRAM_TOP {
            return Err(EINVAL);
        }
        self.unmap_range(mmu, addr, end)?;
        Ok(0)
    }

    /// mprotect(2): the range must be mapped without holes (else ENOMEM, as Linux).
    pub fn mprotect(&mut self, mmu: &mut impl Mmu, addr: u64, len: u64, prot: u64) -> Result<u64, i64> {
        if addr % PAGE_SIZE != 0 {
            return Err(EINVAL);
        }
        let end = page_ceil(len).and_then(|l| addr.checked_add(l)).ok_or(ENOMEM)?;
        let prot = (prot as u32) & PROT_MASK;
        // The vDSO's and vvar's frames are the kernel's, and a shared mapping of a file open
        // read-only may not write it: no program may make them writable (EACCES, as Linux
        // answers for a mapping that may never be writable).
        let never_writable = |v: &Vma| matches!(v.kind, VmaKind::Vdso | VmaKind::ReadOnlySharedFile);
        if prot & PROT_WRITE != 0 && self.vmas.iter().any(|v| never_writable(v) && v.start < end && addr < v.end) {
            return Err(EACCES);
        }
        // Large pages the range covers in part are split before anything changes: that needs
        // frames, and splitting alone changes no translation.
        if end > addr {
            self.tables.split_large(mmu, &mut self.frames, addr, end, false).map_err(|_| ENOMEM)?;
        }
        match self.vmas.protect(addr, end, prot) {
            Ok(()) => {}
            Err(VmaError::NotMapped) => return Err(ENOMEM),
            Err(_) => return Err(ENOMEM),
        }
        self.tables.protect(mmu, &mut self.frames, addr, end, prot_flags(prot)).map_err(|_| ENOMEM)?;
        Ok(0)
    }

    /// msync(2)'s checks: EINVAL for an unaligned start or bad flags, ENOMEM for a hole; else
    /// the end of the pages to write back (host/file_mappings.rs writes those of shared file
    /// mappings; anonymous and private pages have nothing to write, as on Linux).
    pub fn msync(&self, addr: u64, len: u64, flags: u64) -> Result<u64, i64> {
        if addr % PAGE_SIZE != 0
            || flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
            || flags & (MS_ASYNC | MS_SYNC) == MS_ASYNC | MS_SYNC
        {
            return Err(EINVAL);
        }
        let end = page_ceil(len).and_then(|l| addr.checked_add(l)).ok_or(ENOMEM)?;
        if !self.vmas.covers(addr, end, 0) {
            return Err(ENOMEM);
        }
        Ok(end)
    }

    /// madvise(2): DONTNEED/FREE drop the pages (they read back as zeros); the rest is advice.
    pub fn madvise(&mut self, mmu: &mut impl Mmu, addr: u64, len: u64, advice: u64) -> Result<u64, i64> {
        if addr % PAGE_SIZE != 0 {
            return Err(EINVAL);
        }
        let end = page_ceil(len).and_then(|l| addr.checked_add(l)).ok_or(EINVAL)?;
        if (advice == MADV_DONTNEED || advice == MADV_FREE) && end > addr {
            if !self.vmas.covers(addr, end, 0) {
                return Err(ENOMEM);
            }
            self.tables.unmap(mmu, &mut self.frames, addr, end);
        }
        Ok(0)
    }

    /// mremap(2): shrinks in place, grows in place when the pages after are free, else moves
    /// the pages (their frames, not copies) to a new range if MREMAP_MAYMOVE allows.
    pub fn mremap(&mut self, mmu: &mut impl Mmu, old: u64, old_len: u64, new_len: u64, flags: u64, new_addr: u64) -> Result<u64, i64> {
        if old % PAGE_SIZE != 0
            || flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0
            || (flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0)
            || flags & MREMAP_DONTUNMAP != 0
        {
            return Err(EINVAL);
        }
        let old_len = page_ceil(old_len).ok_or(EINVAL)?;
        let new_len = page_ceil(new_len).ok_or(ENOMEM)?;
        if new_len == 0 || old_len == 0 {
            return Err(EINVAL);
        }
        let old_end = old.checked_add(old_len).filter(|&e| e <= PROGRAM_TOP).ok_or(EFAULT)?;
        let vma = self.vmas.find(old).ok_or(EFAULT)?;
        if old_end > vma.end {
            return Err(EFAULT);
        }
        if flags & MREMAP_FIXED != 0 {
            if new_addr % PAGE_SIZE != 0 || new_addr.checked_add(new_len).is_none_or(|e| e > PROGRAM_TOP) {
                return Err(EINVAL);
            }
            if new_addr < old_end && old < new_addr + new_len {
                return Err(EINVAL);
            }
            self.unmap_range(mmu, new_addr, new_addr + new_len)?;
            return self.move_pages(mmu, vma, old, old_len, new_addr, new_len);
        }
        if new_len <= old_len {
            self.unmap_range(mmu, old + new_len, old_end)?;
            return Ok(old);
        }
        let grown_end = old.checked_add(new_len).filter(|&e| e <= PROGRAM_TOP);
        if old_end == vma.end {
            if let Some(grown_end) = grown_end.filter(|&e| !self.vmas.overlaps(old_end, e)) {
                self.vmas.insert(Vma::new(old_end, grown_end, vma.prot, vma.kind)).map_err(|_| ENOMEM)?;
                return Ok(old);
            }
        }
        if flags & MREMAP_MAYMOVE == 0 {
            return Err(ENOMEM);
        }
        let target = if new_len >= LARGE_PAGE_SIZE {
            // Where the new place lines up with the old one modulo 2 MiB, large pages move whole.
            let room = self.free_area(new_len + LARGE_PAGE_SIZE - PAGE_SIZE).ok_or(ENOMEM)?;
            let offset = old % LARGE_PAGE_SIZE;
            ((room.wrapping_sub(offset) + LARGE_PAGE_SIZE - 1) & !(LARGE_PAGE_SIZE - 1)).wrapping_add(offset)
        } else {
            self.free_area(new_len).ok_or(ENOMEM)?
        };
        self.move_pages(mmu, vma, old, old_len, target, new_len)
    }

    /// Moves the frames of `[old, old + old_len)` to `target` (an unmapped range of `new_len`
    /// bytes), keeping the area's protection; what `new_len` adds comes on demand.
    fn move_pages(&mut self, mmu: &mut impl Mmu, vma: Vma, old: u64, old_len: u64, target: u64, new_len: u64) -> Result<u64, i64> {
        let moved = old_len.min(new_len);
        // Large pages move whole where the target lines up with them; the rest moves page by
        // page, so large pages there become page tables first.
        // A large page lies wholly inside one area, so an area without a whole 2 MiB has none
        // (the common small mremap skips the checks).
        let may_hold_large = (vma.start + LARGE_PAGE_SIZE - 1) / LARGE_PAGE_SIZE * LARGE_PAGE_SIZE + LARGE_PAGE_SIZE <= vma.end;
        let aligned = may_hold_large && target.wrapping_sub(old) % LARGE_PAGE_SIZE == 0;
        if may_hold_large {
            self.tables.split_large(mmu, &mut self.frames, old, old + moved, !aligned).map_err(|_| ENOMEM)?;
        }
        self.vmas.insert(Vma::new(target, target + new_len, vma.prot, vma.kind)).map_err(|_| ENOMEM)?;
        let flags = prot_flags(vma.prot);
        let mut offset = 0;
        while offset < moved {
            let from = old + offset;
            if aligned && from % LARGE_PAGE_SIZE == 0 && offset + LARGE_PAGE_SIZE <= moved {
                match self.tables.move_large(mmu, &mut self.frames, from, target + offset) {
                    Ok(true) => {
                        offset += LARGE_PAGE_SIZE;
                        continue;
                    }
                    Ok(false) => {}
                    Err(_) => {
                        self.unmap_range(mmu, target, target + new_len)?;
                        return Err(ENOMEM);
                    }
                }
            }
            offset += PAGE_SIZE;
            let entry = self.tables.entry(mmu, from);
            if entry & (PTE_PRESENT | PTE_PROT_NONE) == 0 {
                continue;
            }
            let page = target + (from - old);
            if self.tables.map_existing(mmu, &mut self.frames, page, page + PAGE_SIZE, flags, entry & ADDRESS_MASK).is_err() {
                self.unmap_range(mmu, target, target + new_len)?;
                return Err(ENOMEM);
            }
            self.tables.forget(mmu, &mut self.frames, from).map_err(|_| ENOMEM)?;
        }
        self.unmap_range(mmu, old, old + old_len)?;
        Ok(target)
    }

    pub fn current_brk(&self) -> u64 {
        self.brk
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mm::mmu::testing::TestMmu;

    const RW: u64 = (PROT_READ | PROT_WRITE) as u64;
    const ANON: u64 = MAP_PRIVATE | MAP_ANONYMOUS;

    fn setup() -> (TestMmu, Memory) {
        let mmu = TestMmu::new(512);
        let mut mem = Memory::new(PageTables::new(0x1000), FrameAllocator::new(0x2000, 512 * PAGE_SIZE));
        mem.set_layout(0x60_0000, STACK_TOP - (8 << 20));
        (mmu, mem)
    }

    #[test]
    fn anonymous_memory_arrives_on_first_touch_in_blocks() {
        let (mut mmu, mut mem) = setup();
        let addr = mem.mmap(&mut mmu, 0, 0x40000, RW, ANON).unwrap();
        assert!(addr >= IMAGE_LIMIT && addr % PAGE_SIZE == 0);
        assert!(mem.tables.translate(&mut mmu, addr).is_none());
        assert_eq!(mem.handle_fault(&mut mmu, addr + 0x1234, Access::Write), FaultOutcome::Resolved);
        let block = (addr + 0x1234) & !(FAULT_AROUND - 1);
        for page in (block.max(addr)..block + FAULT_AROUND).step_by(PAGE_SIZE as usize) {
            assert!(mem.tables.translate(&mut mmu, page).is_some(), "page {page:#x}");
        }
        assert_eq!(mem.handle_fault(&mut mmu, addr + 0x40000, Access::Read), FaultOutcome::Violation);
    }

    #[test]
    fn msync_answers_for_mapped_pages_only() {
        let (mut mmu, mut mem) = setup();
        let addr = mem.mmap(&mut mmu, 0, 0x4000, RW, ANON).unwrap();
        assert_eq!(mem.msync(addr, 0x4000, MS_SYNC), Ok(addr + 0x4000));
        assert_eq!(mem.msync(addr + 0x1000, 1, MS_ASYNC | MS_INVALIDATE), Ok(addr + 0x2000), "the length is rounded up");
        assert_eq!(mem.msync(addr, 0, MS_SYNC), Ok(addr));
        assert_eq!(mem.msync(addr + 1, 0x1000, MS_SYNC), Err(EINVAL));
        assert_eq!(mem.msync(addr, 0x1000, MS_SYNC | MS_ASYNC), Err(EINVAL));
        assert_eq!(mem.msync(addr, 0x1000, 8), Err(EINVAL));
        assert_eq!(mem.msync(addr, 0x5000, MS_SYNC), Err(ENOMEM), "a page past the mapping");
        mem.munmap(&mut mmu, addr + 0x1000, 0x1000).unwrap();
        assert_eq!(mem.msync(addr, 0x4000, MS_SYNC), Err(ENOMEM), "a hole");
    }

    #[test]
    fn faults_respect_protection() {
        let (mut mmu, mut mem) = setup();
        let addr = mem.mmap(&mut mmu, 0, 0x1000, PROT_READ as u64, ANON).unwrap();
        assert_eq!(mem.handle_fault(&mut mmu, addr, Access::Write), FaultOutcome::Violation);
        assert_eq!(mem.handle_fault(&mut mmu, addr, Access::Execute), FaultOutcome::Violation);
        assert_eq!(mem.handle_fault(&mut mmu, addr, Access::Read), FaultOutcome::Resolved);
        mem.mprotect(&mut mmu, addr, 0x1000, RW).unwrap();
        assert!(mem.check_user(addr, 0x1000, PROT_WRITE));
        let entry = mem.tables.entry(&mut mmu, addr);
        assert_eq!(entry & crate::mm::paging::PTE_WRITABLE, crate::mm::paging::PTE_WRITABLE);
    }

    #[test]
    fn munmap_frees_frames_and_leaves_a_hole() {
        let (mut mmu, mut mem) = setup();
        let before = mem.frames.available();
        let addr = mem.mmap(&mut mmu, 0, 0x10000, RW, ANON | MAP_POPULATE).unwrap();
        assert!(mem.frames.available() < before - 15);
        mem.munmap(&mut mmu, addr, 0x10000).unwrap();
        assert!(!mem.check_user(addr, 1, PROT_READ));
        assert_eq!(mem.frames.available(), before - 3, "only page tables stay");
        assert_eq!(mem.munmap(&mut mmu, addr + 1, 0x1000), Err(EINVAL));
    }

    #[test]
    fn fixed_mappings_replace_and_noreplace_refuses() {
        let (mut mmu, mut mem) = setup();
        let addr = mem.mmap(&mut mmu, 0, 0x3000, RW, ANON | MAP_POPULATE).unwrap();
        mem.write_through_tables(&mut mmu, addr + 0x1000, b"old").unwrap();
        assert_eq!(mem.mmap(&mut mmu, addr + 0x1000, 0x1000, RW, ANON | MAP_FIXED), Ok(addr + 0x1000));
        assert!(mem.tables.translate(&mut mmu, addr + 0x1000).is_none(), "old page dropped");
        assert_eq!(mem.mmap(&mut mmu, addr, 0x1000, RW, ANON | MAP_FIXED_NOREPLACE), Err(EEXIST));
        assert_eq!(mem.mmap(&mut mmu, addr + 1, 0x1000, RW, ANON | MAP_FIXED), Err(EINVAL));
    }

    #[test]
    fn prot_none_reservations_are_not_accessible() {
        let (mut mmu, mut mem) = setup();
        let addr = mem.mmap(&mut mmu, 0, 0x100000, 0, ANON).unwrap();
        assert!(!mem.check_user(addr, 8, PROT_READ));
        assert_eq!(mem.handle_fault(&mut mmu, addr, Access::Read), FaultOutcome::Violation);
        mem.mprotect(&mut mmu, addr, 0x2000, RW).unwrap();
        assert!(mem.check_user(addr, 0x2000, PROT_READ | PROT_WRITE));
        assert!(!mem.check_user(addr, 0x2001, PROT_READ));
    }

    #[test]
    fn huge_requests_fail_with_enomem() {
        let (mut mmu, mut mem) = setup();
        assert_eq!(mem.mmap(&mut mmu, 0, 1 << 40, RW, ANON), Err(ENOMEM));
        assert_eq!(mem.mmap(&mut mmu, 0, u64::MAX, RW, ANON), Err(ENOMEM));
        // A PROT_NONE reservation costs no memory and is allowed.
        assert!(mem.mmap(&mut mmu, 0, 1 << 32, 0, ANON).is_ok());
    }

    #[test]
    fn a_noreserve_mapping_larger_than_memory_is_accepted_and_faults_in_what_is_left() {
        let (mut mmu, mut mem) = setup();
        let free = mem.frames.available();
        let addr = mem.mmap(&mut mmu, 0, (free + 64) * PAGE_SIZE, RW, ANON | MAP_NORESERVE).unwrap();
        assert!(!mem.memory_limit_reached, "nothing was refused");
        assert_eq!(mem.handle_fault(&mut mmu, addr, Access::Write), FaultOutcome::Resolved);
        assert_eq!(mem.mmap(&mut mmu, 0, (free + 64) * PAGE_SIZE, RW, ANON), Err(ENOMEM), "without the flag");
    }

    #[test]
    fn brk_grows_shrinks_and_refuses_nonsense() {
        let (mut mmu, mut mem) = setup();
        assert_eq!(mem.brk(&mut mmu, 0), 0x60_0000);
        assert_eq!(mem.brk(&mut mmu, 0x60_2100), 0x60_2100);
        assert!(mem.check_user(0x60_0000, 0x3000, PROT_WRITE));
        assert_eq!(mem.handle_fault(&mut mmu, 0x60_2000, Access::Write), FaultOutcome::Resolved);
        assert_eq!(mem.brk(&mut mmu, 0x60_1000), 0x60_1000);
        assert!(mem.tables.translate(&mut mmu, 0x60_1000).is_none());
        assert!(!mem.check_user(0x60_1000, 1, PROT_READ));
        assert_eq!(mem.brk(&mut mmu, 0x10), 0x60_1000);
        assert!(!mem.memory_limit_reached, "a nonsense break is not a memory shortage");
        assert_eq!(mem.brk(&mut mmu, 0x60_0000 + (1 << 40)), 0x60_1000);
        assert!(mem.memory_limit_reached);
        assert_eq!(mem.brk(&mut mmu, 0x60_0000), 0x60_0000);
        assert!(mem.vmas.is_empty());
    }

    #[test]
    fn dontneed_zeroes_pages() {
        let (mut mmu, mut mem) = setup();
        let addr = mem.mmap(&mut mmu, 0, 0x1000, RW, ANON | MAP_POPULATE).unwrap();
        mem.write_through_tables(&mut mmu, addr, b"data").unwrap();
        mem.madvise(&mut mmu, addr, 0x1000, MADV_DONTNEED).unwrap();
        assert_eq!(mem.handle_fault(&mut mmu, addr, Access::Read), FaultOutcome::Resolved);
        let pa = mem.tables.translate(&mut mmu, addr).unwrap();
        assert_eq!(&mmu.bytes(pa)[..4], &[0, 0, 0, 0]);
    }

    #[test]
    fn demand_fault_reports_exhaustion() {
        let mut mmu = TestMmu::new(16);
        let mut mem = Memory::new(PageTables::new(0x1000), FrameAllocator::new(0x2000, 8 * PAGE_SIZE));
        mem.set_layout(0x60_0000, STACK_TOP - (8 << 20));
        let addr = mem.mmap(&mut mmu, 0, 0x6000, (PROT_READ) as u64, ANON).unwrap();
        assert_eq!(mem.handle_fault(&mut mmu, addr, Access::Read), FaultOutcome::Resolved);
        let mut outcome = FaultOutcome::Resolved;
        for page in (addr..addr + 0x6000).step_by(PAGE_SIZE as usize) {
            if mem.tables.translate(&mut mmu, page).is_none() {
                outcome = mem.handle_fault(&mut mmu, page, Access::Read);
            }
        }
        assert_eq!(outcome, FaultOutcome::OutOfMemory);
        assert!(mem.memory_limit_reached);
    }

    #[test]
    fn user_bytes_are_found_through_the_tables_their_pages_mapped_on_the_way() {
        let (mut mmu, mut mem) = setup();
        let addr = mem.mmap(&mut mmu, 0, 0x2000, RW, ANON).unwrap();
        let gpa = mem.user_byte(&mut mmu, addr + 0x1234, Access::Write).unwrap();
        assert_eq!(Some(gpa), mem.tables.translate(&mut mmu, addr + 0x1234), "mapped by the lookup");
        assert_eq!(gpa % PAGE_SIZE, 0x234);
        assert_eq!(mem.user_byte(&mut mmu, addr + 0x1235, Access::Read), Ok(gpa + 1));
        assert_eq!(mem.user_byte(&mut mmu, addr + 0x2000, Access::Read), Err(EFAULT), "past the area");
        let read_only = mem.mmap(&mut mmu, 0, 0x1000, PROT_READ as u64, ANON).unwrap();
        assert_eq!(mem.user_byte(&mut mmu, read_only, Access::Write), Err(EFAULT));
        assert!(mem.user_byte(&mut mmu, read_only, Access::Read).is_ok());
    }

    #[test]
    fn a_user_byte_without_a_frame_left_is_enomem() {
        let mut mmu = TestMmu::new(16);
        let mut mem = Memory::new(PageTables::new(0x1000), FrameAllocator::new(0x2000, 8 * PAGE_SIZE));
        mem.set_layout(0x60_0000, STACK_TOP - (8 << 20));
        // Read-only, so that mmap does not refuse the area for want of frames up front.
        let addr = mem.mmap(&mut mmu, 0, 0x6000, PROT_READ as u64, ANON).unwrap();
        let results: Vec<_> = (addr..addr + 0x6000).step_by(PAGE_SIZE as usize).map(|va| mem.user_byte(&mut mmu, va, Access::Read)).collect();
        assert!(results[0].is_ok());
        assert_eq!(results.last(), Some(&Err(ENOMEM)));
    }

    /// A "file" whose byte at offset `o` is `o / 4096 + 1` (page number + 1), 3 pages long.
    fn fake_file(mmu: &mut TestMmu, gpa: u64, len: u64, offset: u64) -> Result<(), i64> {
        for page in 0..len / PAGE_SIZE {
            let number = (offset / PAGE_SIZE) + page;
            if number < 3 {
                mmu.bytes(gpa + page * PAGE_SIZE).fill(number as u8 + 1);
            }
        }
        Ok(())
    }

    #[test]
    fn file_mappings_hold_the_file_at_their_offset_and_zeros_past_its_end() {
        let (mut mmu, mut mem) = setup();
        let request = (0, 0x3000, PROT_READ as u64, MAP_PRIVATE);
        let addr = mem.mmap_file(&mut mmu, request, 0x1000, &mut fake_file).unwrap();
        let byte = |mem: &mut Memory, mmu: &mut TestMmu, va: u64| {
            let pa = mem.tables.translate(mmu, va).unwrap();
            mmu.bytes(pa & !0xfff)[0]
        };
        assert_eq!(byte(&mut mem, &mut mmu, addr), 2);
        assert_eq!(byte(&mut mem, &mut mmu, addr + 0x1000), 3);
        assert_eq!(byte(&mut mem, &mut mmu, addr + 0x2000), 0, "past the end of the file");
        assert_eq!(mem.vmas.find(addr).unwrap().kind, VmaKind::File);
        assert!(!mem.check_user(addr, 1, PROT_WRITE));
        // A fixed mapping over the middle page replaces it with the file's first page.
        let fixed = (addr + 0x1000, 0x1000, RW, MAP_PRIVATE | MAP_FIXED);
        assert_eq!(mem.mmap_file(&mut mmu, fixed, 0, &mut fake_file), Ok(addr + 0x1000));
        assert_eq!(byte(&mut mem, &mut mmu, addr + 0x1000), 1);
        assert!(mem.check_user(addr + 0x1000, 0x1000, PROT_WRITE));
        assert_eq!(mem.mmap_file(&mut mmu, request, 0x123, &mut fake_file), Err(EINVAL));
    }

    #[test]
    fn a_shared_copy_of_a_read_only_file_never_becomes_writable() {
        let (mut mmu, mut mem) = setup();
        let addr = mem.mmap_file(&mut mmu, (0, 0x2000, PROT_READ as u64, MAP_SHARED), 0, &mut fake_file).unwrap();
        assert_eq!(mem.vmas.find(addr).unwrap().kind, VmaKind::ReadOnlySharedFile);
        assert_eq!(mem.mprotect(&mut mmu, addr, 0x1000, RW), Err(EACCES));
        assert_eq!(mem.mprotect(&mut mmu, addr, 0x1000, 0), Ok(0), "taking rights away is fine");
        assert!(mem.check_user(addr + 0x1000, 1, PROT_READ));
    }

    #[test]
    fn unmapping_or_replacing_shared_pages_takes_them_out_of_their_mapping() {
        use crate::mm::shared::{MappedFile, SharedMapping};
        let (mut mmu, mut mem) = setup();
        let request = (0, 0x3000, RW, MAP_PRIVATE);
        let addr = mem.mmap_file(&mut mmu, request, 0, &mut fake_file).unwrap();
        let file = MappedFile { fd: 600, dev: 1, ino: 2 };
        mem.shared.insert(SharedMapping { start: addr, end: addr + 0x3000, offset: 0, file }).unwrap();
        mem.munmap(&mut mmu, addr, 0x1000).unwrap();
        mem.mmap(&mut mmu, addr + 0x2000, 0x1000, RW, ANON | MAP_FIXED).unwrap();
        assert!(mem.shared.overlaps(addr + 0x1000, addr + 0x2000));
        assert!(!mem.shared.overlaps(addr, addr + 0x1000) && !mem.shared.overlaps(addr + 0x2000, addr + 0x3000));
        assert_eq!(mem.shared.take_unused_fd(), None);
        mem.munmap(&mut mmu, addr, 0x3000).unwrap();
        assert_eq!(mem.shared.take_unused_fd(), Some(600));
    }

    thread_local! {
        /// The reads the fake file reader was asked for: (fd, len, offset).
        static READS: std::cell::RefCell<Vec<(u64, u64, u64)>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    fn recording_reader(fd: u64, _gpa: u64, len: u64, offset: u64) -> Result<(), i64> {
        READS.with(|reads| reads.borrow_mut().push((fd, len, offset)));
        Ok(())
    }

    #[test]
    fn shared_file_pages_are_read_when_first_touched_around_the_page_within_its_2_mib() {
        use crate::mm::shared::MappedFile;
        let (mut mmu, mut mem) = setup_large();
        mem.file_reader = Some(recording_reader);
        let file = MappedFile { fd: 600, dev: 1, ino: 2 };
        let len = LARGE_PAGE_SIZE + 0x4000;
        let addr = mem.mmap_shared_file(&mut mmu, (0, len, RW, MAP_PRIVATE), 0x3000, file).unwrap();
        assert!(mem.tables.translate(&mut mmu, addr).is_none(), "nothing read at mmap");
        let used = mem.frames.used();
        let touched = addr + 0x2000;
        assert_eq!(mem.handle_fault(&mut mmu, touched, Access::Write), FaultOutcome::Resolved);
        let chunk_end = (touched & !(LARGE_PAGE_SIZE - 1)) + LARGE_PAGE_SIZE;
        let expected = (600, chunk_end.min(addr + len) - addr, 0x3000);
        assert_eq!(READS.with(|r| r.borrow().clone()), vec![expected]);
        assert!(mem.tables.translate(&mut mmu, addr).is_some() && mem.tables.translate(&mut mmu, chunk_end - PAGE_SIZE).is_some());
        assert!(mem.frames.used() >= used + expected.1 / PAGE_SIZE);
        // A page of the next 2 MiB comes with its own read, at its own offset.
        if chunk_end < addr + len {
            READS.with(|r| r.borrow_mut().clear());
            assert_eq!(mem.handle_fault(&mut mmu, chunk_end, Access::Read), FaultOutcome::Resolved);
            assert_eq!(READS.with(|r| r.borrow().clone()), vec![(600, addr + len - chunk_end, 0x3000 + chunk_end - addr)]);
        }
        assert_eq!(mem.mmap_shared_file(&mut mmu, (0, 0x1000, RW, MAP_PRIVATE), 0x123, file), Err(EINVAL));
    }

    #[test]
    fn two_shared_mappings_of_one_file_share_the_frames_of_its_pages_and_free_them_once() {
        use crate::mm::shared::MappedFile;
        let (mut mmu, mut mem) = setup();
        mem.file_reader = Some(recording_reader);
        let file = MappedFile { fd: 600, dev: 1, ino: 2 };
        let first = mem.mmap_shared_file(&mut mmu, (0, 0x3000, RW, MAP_PRIVATE), 0, file).unwrap();
        let second = mem.mmap_shared_file(&mut mmu, (0, 0x2000, RW, MAP_PRIVATE), 0x1000, MappedFile { fd: 601, ..file }).unwrap();
        assert_eq!(mem.handle_fault(&mut mmu, first + 0x1000, Access::Write), FaultOutcome::Resolved);
        mem.write_through_tables(&mut mmu, first + 0x1000, b"shared").unwrap();
        assert_eq!(mem.handle_fault(&mut mmu, second, Access::Read), FaultOutcome::Resolved);
        let frame = mem.tables.translate(&mut mmu, second).unwrap();
        assert_eq!(Some(frame), mem.tables.translate(&mut mmu, first + 0x1000), "file page 0x1000 in both");
        assert_eq!(&mmu.bytes(frame)[..6], b"shared");
        // File page 0x2000, which only the first has touched: a frame of its own.
        assert_eq!(mem.handle_fault(&mut mmu, first + 0x2000, Access::Read), FaultOutcome::Resolved);
        let available = mem.frames.available();
        mem.munmap(&mut mmu, first, 0x3000).unwrap();
        assert_eq!(mem.tables.translate(&mut mmu, second), Some(frame), "kept for the second mapping");
        assert_eq!(&mmu.bytes(frame)[..6], b"shared");
        assert_eq!(mem.frames.available(), available + 1, "the first's own frame is freed, the shared one not");
        let available = mem.frames.available();
        mem.munmap(&mut mmu, second, 0x2000).unwrap();
        assert_eq!(mem.frames.available(), available + 1, "the shared frame freed once, with the last mapping");
    }

    #[test]
    fn the_kernels_writes_into_a_shared_file_mapping_mark_its_pages_written() {
        use crate::mm::shared::MappedFile;
        let (mut mmu, mut mem) = setup();
        mem.file_reader = Some(recording_reader);
        let file = MappedFile { fd: 600, dev: 1, ino: 2 };
        let shared = mem.mmap_shared_file(&mut mmu, (0, 0x2000, RW, MAP_PRIVATE), 0, file).unwrap();
        let private = mem.mmap(&mut mmu, 0, 0x1000, RW, ANON).unwrap();
        mem.user_byte(&mut mmu, shared + 0x1010, Access::Write).unwrap();
        mem.user_byte(&mut mmu, shared + 0x10, Access::Read).unwrap();
        mem.user_byte(&mut mmu, private, Access::Write).unwrap();
        let dirty = |mem: &Memory, mmu: &mut TestMmu, va| mem.tables.entry(mmu, va) & PTE_DIRTY != 0;
        assert!(dirty(&mem, &mut mmu, shared + 0x1000));
        assert!(!dirty(&mem, &mut mmu, shared), "only read");
        assert!(!dirty(&mem, &mut mmu, private), "nothing to write back");
    }

    #[test]
    fn a_failed_file_read_leaves_nothing_mapped() {
        let (mut mmu, mut mem) = setup();
        let before = mem.frames.available();
        let request = (0, 0x3000, PROT_READ as u64, MAP_PRIVATE);
        let mut failing = |_: &mut TestMmu, _, _, _| Err(crate::abi::errno::EBADF);
        assert_eq!(mem.mmap_file(&mut mmu, request, 0, &mut failing), Err(crate::abi::errno::EBADF));
        assert!(mem.vmas.is_empty());
        assert_eq!(mem.frames.available(), before);
    }

    #[test]
    fn mremap_shrinks_grows_and_moves_the_frames() {
        let (mut mmu, mut mem) = setup();
        let addr = mem.mmap(&mut mmu, 0, 0x2000, RW, ANON | MAP_POPULATE).unwrap();
        mem.write_through_tables(&mut mmu, addr, b"kept").unwrap();
        assert_eq!(mem.mremap(&mut mmu, addr, 0x2000, 0x1000, 0, 0), Ok(addr));
        assert!(!mem.check_user(addr + 0x1000, 1, PROT_READ));
        // Grows in place: the page after is free again.
        assert_eq!(mem.mremap(&mut mmu, addr, 0x1000, 0x3000, 0, 0), Ok(addr));
        assert!(mem.check_user(addr, 0x3000, PROT_WRITE));
        // Blocked by a neighbour: moves only with MREMAP_MAYMOVE.
        mem.mmap(&mut mmu, addr + 0x3000, 0x1000, PROT_READ as u64, ANON | MAP_FIXED).unwrap();
        assert_eq!(mem.mremap(&mut mmu, addr, 0x3000, 0x8000, 0, 0), Err(ENOMEM));
        let frame = mem.tables.translate(&mut mmu, addr).unwrap();
        let moved = mem.mremap(&mut mmu, addr, 0x3000, 0x8000, MREMAP_MAYMOVE, 0).unwrap();
        assert_ne!(moved, addr);
        assert_eq!(mem.tables.translate(&mut mmu, moved), Some(frame), "same frame, not a copy");
        assert_eq!(&mmu.bytes(frame)[..4], b"kept");
        assert!(!mem.check_user(addr, 1, PROT_READ));
        assert!(mem.check_user(moved, 0x8000, PROT_WRITE));
        assert_eq!(mem.mremap(&mut mmu, addr, 0x1000, 0x2000, MREMAP_MAYMOVE, 0), Err(EFAULT));
        assert_eq!(mem.mremap(&mut mmu, moved, 0x1000, 0x2000, MREMAP_FIXED, 0x1000), Err(EINVAL));
    }

    /// 16 MiB of RAM, enough for large pages.
    fn setup_large() -> (TestMmu, Memory) {
        let pages = 4096;
        let mmu = TestMmu::new(pages);
        let mut mem = Memory::new(PageTables::new(0x1000), FrameAllocator::new(0x2000, pages as u64 * PAGE_SIZE));
        mem.set_layout(0x60_0000, STACK_TOP - (8 << 20));
        (mmu, mem)
    }

    fn write_marks(mem: &mut Memory, mmu: &mut TestMmu, start: u64, end: u64) {
        for va in (start..end).step_by(PAGE_SIZE as usize) {
            mem.write_through_tables(mmu, va, &va.to_le_bytes()).unwrap();
        }
    }

    fn has_mark(mem: &Memory, mmu: &mut TestMmu, va: u64) -> bool {
        mem.tables.translate(mmu, va).is_some_and(|pa| mmu.bytes(pa)[..8] == va.to_le_bytes())
    }

    #[test]
    fn large_anonymous_areas_are_aligned_and_fault_in_large_pages() {
        let (mut mmu, mut mem) = setup_large();
        let len = 2 * LARGE_PAGE_SIZE + 0x3000;
        let addr = mem.mmap(&mut mmu, 0, len, RW, ANON).unwrap();
        assert_eq!(addr % LARGE_PAGE_SIZE, 0);
        let used = mem.frames.used();
        assert_eq!(mem.handle_fault(&mut mmu, addr + 0x12_3456, Access::Write), FaultOutcome::Resolved);
        assert!(mem.tables.is_large(&mut mmu, addr));
        assert!(mem.tables.translate(&mut mmu, addr + LARGE_PAGE_SIZE - 1).is_some());
        assert!(mem.tables.translate(&mut mmu, addr + LARGE_PAGE_SIZE).is_none(), "one large page per fault");
        assert!(mem.frames.used() >= used + 512);
        // The tail the area covers only in part gets small pages.
        assert_eq!(mem.handle_fault(&mut mmu, addr + 2 * LARGE_PAGE_SIZE, Access::Read), FaultOutcome::Resolved);
        assert!(!mem.tables.is_large(&mut mmu, addr + 2 * LARGE_PAGE_SIZE));
        // A small area gets no large page even where the address is aligned.
        let small = mem.mmap(&mut mmu, 0, 0x10_0000, RW, ANON).unwrap();
        mem.handle_fault(&mut mmu, small, Access::Write);
        assert!(!mem.tables.is_large(&mut mmu, small));
    }

    #[test]
    fn mprotect_munmap_and_madvise_on_part_of_a_large_page() {
        let (mut mmu, mut mem) = setup_large();
        let addr = mem.mmap(&mut mmu, 0, LARGE_PAGE_SIZE, RW, ANON).unwrap();
        mem.handle_fault(&mut mmu, addr, Access::Write);
        assert!(mem.tables.is_large(&mut mmu, addr));
        write_marks(&mut mem, &mut mmu, addr, addr + LARGE_PAGE_SIZE);

        assert_eq!(mem.mprotect(&mut mmu, addr + 0x1000, 0x1000, PROT_READ as u64), Ok(0));
        assert!(!mem.tables.is_large(&mut mmu, addr));
        assert_eq!(mem.tables.entry(&mut mmu, addr + 0x1000) & crate::mm::paging::PTE_WRITABLE, 0);
        assert_ne!(mem.tables.entry(&mut mmu, addr + 0x2000) & crate::mm::paging::PTE_WRITABLE, 0);
        assert_eq!(mem.handle_fault(&mut mmu, addr + 0x1000, Access::Write), FaultOutcome::Violation);

        assert_eq!(mem.munmap(&mut mmu, addr + 0x4000, 0x2000), Ok(0));
        assert!(mem.tables.translate(&mut mmu, addr + 0x4000).is_none());
        assert_eq!(mem.madvise(&mut mmu, addr + 0x8000, 0x1000, MADV_DONTNEED), Ok(0));
        assert_eq!(mem.handle_fault(&mut mmu, addr + 0x8000, Access::Read), FaultOutcome::Resolved);
        let pa = mem.tables.translate(&mut mmu, addr + 0x8000).unwrap();
        assert!(mmu.bytes(pa).iter().all(|&b| b == 0), "dropped pages read back as zeros");
        for va in [addr, addr + 0x2000, addr + 0x6000, addr + 0x9000, addr + LARGE_PAGE_SIZE - 0x1000] {
            assert!(has_mark(&mem, &mut mmu, va), "page {va:#x} keeps its contents");
        }
    }

    #[test]
    fn mprotect_of_whole_large_pages_keeps_them() {
        let (mut mmu, mut mem) = setup_large();
        let addr = mem.mmap(&mut mmu, 0, 2 * LARGE_PAGE_SIZE, RW, ANON).unwrap();
        mem.handle_fault(&mut mmu, addr, Access::Write);
        mem.handle_fault(&mut mmu, addr + LARGE_PAGE_SIZE, Access::Write);
        write_marks(&mut mem, &mut mmu, addr, addr + 2 * LARGE_PAGE_SIZE);
        assert_eq!(mem.mprotect(&mut mmu, addr, 2 * LARGE_PAGE_SIZE, 0), Ok(0));
        assert!(mem.tables.is_large(&mut mmu, addr) && mem.tables.is_large(&mut mmu, addr + LARGE_PAGE_SIZE));
        assert_eq!(mem.handle_fault(&mut mmu, addr, Access::Read), FaultOutcome::Violation);
        assert_eq!(mem.mprotect(&mut mmu, addr, 2 * LARGE_PAGE_SIZE, RW), Ok(0));
        assert!(has_mark(&mem, &mut mmu, addr + LARGE_PAGE_SIZE + 0x5000));
        assert!(mem.tables.is_large(&mut mmu, addr + LARGE_PAGE_SIZE));
    }

    #[test]
    fn mremap_moves_large_pages_whole() {
        let (mut mmu, mut mem) = setup_large();
        let addr = mem.mmap(&mut mmu, 0, LARGE_PAGE_SIZE, RW, ANON).unwrap();
        mem.handle_fault(&mut mmu, addr, Access::Write);
        write_marks(&mut mem, &mut mmu, addr, addr + LARGE_PAGE_SIZE);
        let frame = mem.tables.translate(&mut mmu, addr + 0x7000).unwrap();
        mem.mmap(&mut mmu, addr + LARGE_PAGE_SIZE, 0x1000, RW, ANON | MAP_FIXED).unwrap();
        let available = mem.frames.available();
        let moved = mem.mremap(&mut mmu, addr, LARGE_PAGE_SIZE, 2 * LARGE_PAGE_SIZE, MREMAP_MAYMOVE, 0).unwrap();
        assert_ne!(moved, addr);
        assert_eq!(moved % LARGE_PAGE_SIZE, 0);
        assert!(mem.tables.is_large(&mut mmu, moved), "moved as one entry");
        assert_eq!(mem.tables.translate(&mut mmu, moved + 0x7000), Some(frame), "same frame, not a copy");
        assert_eq!(&mmu.bytes(frame)[..8], &(addr + 0x7000).to_le_bytes());
        assert!(mem.frames.available() + 3 >= available, "no split, at most new tables");
        assert!(mem.tables.translate(&mut mmu, addr).is_none());
        assert!(!mem.check_user(addr, 1, PROT_READ));
    }

    #[test]
    fn mremap_to_a_fixed_place_out_of_line_moves_large_pages_page_by_page() {
        let (mut mmu, mut mem) = setup_large();
        let addr = mem.mmap(&mut mmu, 0, LARGE_PAGE_SIZE, RW, ANON).unwrap();
        mem.handle_fault(&mut mmu, addr, Access::Write);
        write_marks(&mut mem, &mut mmu, addr, addr + LARGE_PAGE_SIZE);
        let target = addr - 4 * LARGE_PAGE_SIZE + 0x3000;
        let flags = MREMAP_MAYMOVE | MREMAP_FIXED;
        assert_eq!(mem.mremap(&mut mmu, addr, LARGE_PAGE_SIZE, LARGE_PAGE_SIZE, flags, target), Ok(target));
        for offset in [0, 0x1000, 0x10_0000, LARGE_PAGE_SIZE - 0x1000] {
            let pa = mem.tables.translate(&mut mmu, target + offset).unwrap();
            assert_eq!(&mmu.bytes(pa)[..8], &(addr + offset).to_le_bytes(), "offset {offset:#x}");
        }
        assert!(mem.tables.translate(&mut mmu, addr + 0x5000).is_none());
    }

    #[test]
    fn brk_heap_gets_large_pages_and_shrinks_through_them() {
        let (mut mmu, mut mem) = setup_large();
        let start = mem.current_brk();
        let grown = mem.brk(&mut mmu, start + 3 * LARGE_PAGE_SIZE);
        assert_eq!(grown, start + 3 * LARGE_PAGE_SIZE);
        let aligned = (start + LARGE_PAGE_SIZE - 1) & !(LARGE_PAGE_SIZE - 1);
        assert_eq!(mem.handle_fault(&mut mmu, aligned + 0x10, Access::Write), FaultOutcome::Resolved);
        assert!(mem.tables.is_large(&mut mmu, aligned));
        write_marks(&mut mem, &mut mmu, aligned, aligned + LARGE_PAGE_SIZE);
        let cut = aligned + 0x3000;
        assert_eq!(mem.brk(&mut mmu, cut), cut);
        assert!(has_mark(&mem, &mut mmu, aligned + 0x2000));
        assert!(mem.tables.translate(&mut mmu, cut).is_none());
    }
}
