//! User page tables: 4-level, 4 KiB pages and 2 MiB large pages, in PML4 slots 0..253 of the
//! host-built PML4 (slot 255 maps the kernel). Under shadow paging (PVM) every write to a live
//! page-table traps to the hypervisor, so a new table is filled completely before it is linked
//! in: filling it is then plain memory traffic and only the linking write traps. Under
//! emulation every kernel instruction costs microseconds, so one large-page entry instead of
//! 512 small ones is what makes first touches of big anonymous areas cheap. A large page that
//! an operation covers only in part (mprotect, munmap, a moved page) is split into a page
//! table of 512 entries first.

use crate::abi::host::{PAGE_SIZE, USER_TOP};
use crate::mm::frame::FrameAllocator;
use crate::mm::mmu::Mmu;

pub const PTE_PRESENT: u64 = 1 << 0;
pub const PTE_WRITABLE: u64 = 1 << 1;
pub const PTE_USER: u64 = 1 << 2;
/// Set by the processor on a write through the entry: which pages of a shared file mapping
/// must be written back.
pub const PTE_DIRTY: u64 = 1 << 6;
pub const PTE_HUGE: u64 = 1 << 7;
/// Software bit: the entry keeps its frame but allows no access (`PROT_NONE`).
pub const PTE_PROT_NONE: u64 = 1 << 9;
pub const PTE_NO_EXECUTE: u64 = 1 << 63;
pub const ADDRESS_MASK: u64 = 0x000f_ffff_ffff_f000;

/// Flags of intermediate entries: the leaf decides the real permission.
const TABLE_FLAGS: u64 = PTE_PRESENT | PTE_WRITABLE | PTE_USER;
/// A large page: what one page-directory entry maps, and what one page table spans.
pub const LARGE_PAGE_SIZE: u64 = 512 * PAGE_SIZE;
const TABLE_SPAN: u64 = LARGE_PAGE_SIZE;
/// Bits 21..51 of a large-page entry: its 2 MiB-aligned frame (bit 12 would be PAT, never set).
const LARGE_ADDRESS_MASK: u64 = 0x000f_ffff_ffe0_0000;

/// Leaf flags for a user page with the given access; no access yields the PROT_NONE marker.
pub const fn leaf_flags(read: bool, write: bool, execute: bool) -> u64 {
    if !read && !write && !execute {
        return PTE_PROT_NONE;
    }
    let mut flags = PTE_PRESENT | PTE_USER;
    if write {
        flags |= PTE_WRITABLE;
    }
    if !execute {
        flags |= PTE_NO_EXECUTE;
    }
    flags
}

/// The table index of `va` at `level` (3: PML4, 0: page table).
const fn index(va: u64, level: u32) -> usize {
    ((va >> (12 + 9 * level)) & 511) as usize
}

/// An entry that owns a frame, whether accessible or revoked by PROT_NONE.
const fn holds_frame(entry: u64) -> bool {
    entry & (PTE_PRESENT | PTE_PROT_NONE) != 0
}

/// A page-directory entry that maps a large page (accessible or PROT_NONE).
const fn is_large(entry: u64) -> bool {
    entry & PTE_HUGE != 0 && holds_frame(entry)
}

/// The 2 MiB-aligned start of the large page around `va`.
const fn large_floor(va: u64) -> u64 {
    va & !(LARGE_PAGE_SIZE - 1)
}

/// Points every empty entry of `slots` at its frame, slot `i` at `first + i * 4096`, with
/// `flags`; returns how many it filled. Like `fill_fresh`, a loop with no calls and no memory
/// traffic but the entries: under PVM every kernel memory access is emulated (microseconds).
fn fill_in_place(slots: &mut [u64], first: u64, flags: u64) -> u64 {
    let mut filled = 0;
    let mut frame = first;
    for slot in slots {
        if !holds_frame(*slot) {
            *slot = frame | flags;
            filled += 1;
        }
        frame += PAGE_SIZE;
    }
    filled
}

/// Points up to `count` empty entries of `slots`, in order, at the consecutive frames from
/// `run`, with `flags`; returns how many it filled.
fn fill_fresh(slots: &mut [u64], run: u64, count: u64, flags: u64) -> u64 {
    let mut filled = 0;
    for slot in slots {
        if filled == count {
            break;
        }
        if !holds_frame(*slot) {
            *slot = (run + filled * PAGE_SIZE) | flags;
            filled += 1;
        }
    }
    filled
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct OutOfMemory;

/// The user half of one address space, rooted at a PML4 frame.
pub struct PageTables {
    root: u64,
    /// Large pages mapped now: while there are none, nothing needs splitting and the checks
    /// for it are skipped (each costs a table walk, microseconds under emulation).
    large_pages: u64,
}

impl PageTables {
    pub const fn new(root: u64) -> Self {
        PageTables { root, large_pages: 0 }
    }

    pub fn root(&self) -> u64 {
        self.root
    }

    /// The page directory (level 1) covering `va`, if it exists.
    fn directory(&self, mmu: &mut impl Mmu, va: u64) -> Option<u64> {
        let mut table = self.root;
        for level in [3, 2] {
            let entry = mmu.table(table)[index(va, level)];
            if entry & PTE_PRESENT == 0 {
                return None;
            }
            table = entry & ADDRESS_MASK;
        }
        Some(table)
    }

    /// The page-directory entry covering `va` (0 when its directory does not exist).
    fn directory_entry(&self, mmu: &mut impl Mmu, va: u64) -> u64 {
        match self.directory(mmu, va) {
            Some(directory) => mmu.table(directory)[index(va, 1)],
            None => 0,
        }
    }

    /// The leaf entry of `va` (as `entry`) and whether nothing at all is mapped in its 2 MiB
    /// (so a large page could go there), from one walk.
    pub fn entry_and_large_room(&self, mmu: &mut impl Mmu, va: u64) -> (u64, bool) {
        let directory_entry = self.directory_entry(mmu, va);
        if directory_entry == 0 {
            return (0, true);
        }
        (self.leaf_of(mmu, directory_entry, va), false)
    }

    /// The page table (level 0) covering `va`, if it exists (not where a large page is).
    fn page_table(&self, mmu: &mut impl Mmu, va: u64) -> Option<u64> {
        let entry = self.directory_entry(mmu, va);
        (entry & PTE_PRESENT != 0 && entry & PTE_HUGE == 0).then_some(entry & ADDRESS_MASK)
    }

    /// Whether a large page maps `va`.
    pub fn is_large(&self, mmu: &mut impl Mmu, va: u64) -> bool {
        is_large(self.directory_entry(mmu, va))
    }

    /// How many tables must be created before `va` can be mapped (an upper bound when
    /// several missing ranges share a new upper table); 0 where a large page is.
    fn missing_tables(&self, mmu: &mut impl Mmu, va: u64) -> u64 {
        let mut table = self.root;
        for level in (1..4).rev() {
            let entry = mmu.table(table)[index(va, level)];
            if entry & PTE_PRESENT == 0 {
                // A PROT_NONE large page is not present but needs no table either.
                return if level == 1 && is_large(entry) { 0 } else { level as u64 };
            }
            table = entry & ADDRESS_MASK;
        }
        0
    }

    /// The leaf entry of `va` (0 when nothing is mapped there). Inside a large page, the entry
    /// a 4 KiB page there would have: its frame and the large page's flags.
    pub fn entry(&self, mmu: &mut impl Mmu, va: u64) -> u64 {
        let directory_entry = self.directory_entry(mmu, va);
        self.leaf_of(mmu, directory_entry, va)
    }

    /// The leaf entry of `va` under its page-directory entry `directory_entry`.
    fn leaf_of(&self, mmu: &mut impl Mmu, directory_entry: u64, va: u64) -> u64 {
        if is_large(directory_entry) {
            let frame = (directory_entry & LARGE_ADDRESS_MASK) + (va - large_floor(va)) / PAGE_SIZE * PAGE_SIZE;
            return frame | (directory_entry & !ADDRESS_MASK & !PTE_HUGE);
        }
        if directory_entry & PTE_PRESENT == 0 {
            return 0;
        }
        mmu.table(directory_entry & ADDRESS_MASK)[index(va, 0)]
    }

    /// The guest-physical address that `va` maps to, if the page is accessible.
    pub fn translate(&self, mmu: &mut impl Mmu, va: u64) -> Option<u64> {
        let entry = self.entry(mmu, va);
        (entry & PTE_PRESENT != 0).then(|| (entry & ADDRESS_MASK) + va % PAGE_SIZE)
    }

    /// Maps the large page at `va` (2 MiB aligned) to a fresh zero-filled 2 MiB frame with leaf
    /// `flags`, when nothing at all is mapped in its 2 MiB (no page table there) and the
    /// allocator has an aligned 2 MiB left; returns whether it did.
    pub fn map_large(&mut self, mmu: &mut impl Mmu, frames: &mut FrameAllocator, va: u64, flags: u64) -> Result<bool, OutOfMemory> {
        let Some((table, level)) = self.empty_large_slot(mmu, va) else { return Ok(false) };
        // The missing upper tables plus the frames the alignment may skip: leave plenty for
        // small pages rather than take the last large run.
        if frames.available() < (level - 1) as u64 + 2 * 512 {
            return Ok(false);
        }
        let Some(frame) = frames.alloc_large(mmu) else { return Ok(false) };
        self.link_large(mmu, frames, va, table, level, frame | flags | PTE_HUGE)?;
        self.large_pages += 1;
        Ok(true)
    }

    /// Moves the large page at `from` to `to` (both 2 MiB aligned) with its frame and flags,
    /// when one is at `from` and nothing at all is mapped in the 2 MiB at `to`; returns
    /// whether it did. Two entries change instead of 512 pages moving one by one.
    pub fn move_large(&mut self, mmu: &mut impl Mmu, frames: &mut FrameAllocator, from: u64, to: u64) -> Result<bool, OutOfMemory> {
        let Some(directory) = self.directory(mmu, from) else { return Ok(false) };
        let entry = mmu.table(directory)[index(from, 1)];
        if !is_large(entry) {
            return Ok(false);
        }
        let Some((table, level)) = self.empty_large_slot(mmu, to) else { return Ok(false) };
        self.link_large(mmu, frames, to, table, level, entry)?;
        mmu.table(directory)[index(from, 1)] = 0;
        mmu.invalidate(from, from + LARGE_PAGE_SIZE);
        Ok(true)
    }

    /// The deepest table present on the path to `va` above the page tables, and its level
    /// (1 when the page table itself is there).
    fn deepest_table(&self, mmu: &mut impl Mmu, va: u64) -> (u64, u32) {
        let mut table = self.root;
        let mut level = 3;
        while level > 1 {
            let entry = mmu.table(table)[index(va, level)];
            if entry & PTE_PRESENT == 0 {
                break;
            }
            table = entry & ADDRESS_MASK;
            level -= 1;
        }
        (table, level)
    }

    /// Where a large page at `va` (2 MiB aligned) would be linked: the deepest existing table
    /// on its path and that table's level, or `None` when something is mapped in its 2 MiB.
    fn empty_large_slot(&self, mmu: &mut impl Mmu, va: u64) -> Option<(u64, u32)> {
        assert!(va % LARGE_PAGE_SIZE == 0 && va + LARGE_PAGE_SIZE <= USER_TOP);
        let (table, level) = self.deepest_table(mmu, va);
        (level > 1 || mmu.table(table)[index(va, 1)] == 0).then_some((table, level))
    }

    /// Writes the large-page `entry` for `va` below `table` (at `level`), creating the missing
    /// tables bottom-up so that the only write into a live table is the last one.
    fn link_large(&mut self, mmu: &mut impl Mmu, frames: &mut FrameAllocator, va: u64, table: u64, level: u32, entry: u64) -> Result<(), OutOfMemory> {
        let mut child = entry;
        for missing in 1..level {
            let parent = frames.alloc(mmu).ok_or(OutOfMemory)?;
            mmu.table(parent)[index(va, missing)] = child;
            child = parent | TABLE_FLAGS;
        }
        mmu.table(table)[index(va, level)] = child;
        Ok(())
    }

    /// Replaces the large page around `va`, if there is one, by a page table (at frame
    /// `table`) of 512 entries with the same frames and flags; the entry of page `skip`, if
    /// given, is left empty (its frame is `table` itself).
    fn split_into(&mut self, mmu: &mut impl Mmu, va: u64, table: u64, skip: Option<u64>) {
        let Some(directory) = self.directory(mmu, va) else { return };
        let entry = mmu.table(directory)[index(va, 1)];
        if !is_large(entry) {
            return;
        }
        let flags = entry & !ADDRESS_MASK & !PTE_HUGE;
        let first = entry & LARGE_ADDRESS_MASK;
        let slots = mmu.table(table);
        let mut frame = first;
        for slot in slots.iter_mut() {
            *slot = frame | flags;
            frame += PAGE_SIZE;
        }
        if let Some(page) = skip {
            slots[index(page, 0)] = 0;
        }
        self.large_pages -= 1;
        // No flush: the translations are the same. Whoever changes one of the new entries
        // flushes its address, and INVLPG drops a large-page TLB entry and the
        // paging-structure caches too.
        mmu.table(directory)[index(va, 1)] = table | TABLE_FLAGS;
    }

    /// Splits the large pages in `[start, end)` (page aligned, not empty): those the range
    /// covers only in part, or with `all` every one it touches. Splitting changes no
    /// translation, so callers may split first and fail cleanly if a frame for a table is
    /// missing.
    pub fn split_large(&mut self, mmu: &mut impl Mmu, frames: &mut FrameAllocator, start: u64, end: u64, all: bool) -> Result<(), OutOfMemory> {
        if self.large_pages == 0 {
            return Ok(());
        }
        let last = large_floor(end - PAGE_SIZE);
        let mut va = start;
        while va < end {
            let block = large_floor(va);
            let partial = block < start || block + LARGE_PAGE_SIZE > end;
            if (all || partial) && self.is_large(mmu, va) {
                let table = frames.alloc(mmu).ok_or(OutOfMemory)?;
                self.split_into(mmu, va, table, None);
            }
            // Only the first and the last block can be partial.
            va = if all || block == last { block + LARGE_PAGE_SIZE } else { last };
        }
        Ok(())
    }

    /// Maps every unmapped page of `[start, end)` to a fresh zero-filled frame with `flags`.
    /// Pages that already hold a frame are left alone. Returns how many pages were mapped.
    /// Fails before changing anything when the frames might not suffice.
    pub fn map_fresh(
        &mut self,
        mmu: &mut impl Mmu,
        frames: &mut FrameAllocator,
        start: u64,
        end: u64,
        flags: u64,
    ) -> Result<u64, OutOfMemory> {
        self.map_range(mmu, frames, start, end, flags, None)
    }

    /// Maps every unmapped page of `[start, end)` to the existing frames starting at
    /// `first_frame` (page `start + i * 4096` gets `first_frame + i * 4096`): used to map the
    /// program image in place instead of copying it.
    pub fn map_existing(
        &mut self,
        mmu: &mut impl Mmu,
        frames: &mut FrameAllocator,
        start: u64,
        end: u64,
        flags: u64,
        first_frame: u64,
    ) -> Result<u64, OutOfMemory> {
        self.map_range(mmu, frames, start, end, flags, Some(first_frame))
    }

    fn map_range(
        &mut self,
        mmu: &mut impl Mmu,
        frames: &mut FrameAllocator,
        start: u64,
        end: u64,
        flags: u64,
        first_frame: Option<u64>,
    ) -> Result<u64, OutOfMemory> {
        assert!(start % PAGE_SIZE == 0 && end % PAGE_SIZE == 0 && start <= end && end <= USER_TOP);
        let mut needed = if first_frame.is_some() { 0 } else { (end - start) / PAGE_SIZE };
        let mut va = start;
        while va < end {
            needed += self.missing_tables(mmu, va);
            va = (va / TABLE_SPAN + 1) * TABLE_SPAN;
        }
        if frames.available() < needed {
            return Err(OutOfMemory);
        }
        let mut mapped = 0;
        let mut va = start;
        while va < end {
            let chunk_end = end.min((va / TABLE_SPAN + 1) * TABLE_SPAN);
            // One walk per chunk: each step costs microseconds under emulation.
            let directory_entry = self.directory_entry(mmu, va);
            if is_large(directory_entry) {
                // Every page there holds a frame already.
                va = chunk_end;
                continue;
            }
            let (table, linked) = if directory_entry & PTE_PRESENT != 0 {
                (directory_entry & ADDRESS_MASK, true)
            } else {
                (frames.alloc(mmu).ok_or(OutOfMemory)?, false)
            };
            let slots = index(va, 0)..index(chunk_end - PAGE_SIZE, 0) + 1;
            mapped += match first_frame {
                Some(first) => fill_in_place(&mut mmu.table(table)[slots], first + (va - start), flags),
                None => {
                    // Fresh frames come as one contiguous run when the allocator has one (no
                    // recycled frames), so that filling the entries needs no call per page; the
                    // frames the holes did not need go back at once.
                    let wanted = slots.len() as u64;
                    let (run, count) = frames.alloc_run(mmu, wanted).ok_or(OutOfMemory)?;
                    let mut filled = fill_fresh(&mut mmu.table(table)[slots.clone()], run, count, flags);
                    frames.return_run_tail(run, count, filled);
                    if filled == count && count < wanted {
                        // A short run (a recycled frame comes alone): the rest one by one.
                        for slot in slots {
                            if !holds_frame(mmu.table(table)[slot]) {
                                mmu.table(table)[slot] = frames.alloc(mmu).ok_or(OutOfMemory)? | flags;
                                filled += 1;
                            }
                        }
                    }
                    filled
                }
            };
            if !linked {
                self.link(mmu, frames, va, table)?;
            }
            va = chunk_end;
        }
        Ok(mapped)
    }

    /// Points the (mapped) page `va` at `frame`, keeping its flags.
    pub fn replace_frame(&mut self, mmu: &mut impl Mmu, frames: &mut FrameAllocator, va: u64, frame: u64) -> Result<(), OutOfMemory> {
        self.split_large(mmu, frames, va, va + PAGE_SIZE, false)?;
        if let Some(table) = self.page_table(mmu, va) {
            let slot = &mut mmu.table(table)[index(va, 0)];
            *slot = (*slot & !ADDRESS_MASK) | frame;
            mmu.invalidate(va, va + PAGE_SIZE);
        }
        Ok(())
    }

    /// Hooks a filled page table for `va` into the tree, creating the missing upper tables
    /// bottom-up so that the only write into a live table is the last one.
    fn link(&mut self, mmu: &mut impl Mmu, frames: &mut FrameAllocator, va: u64, page_table: u64) -> Result<(), OutOfMemory> {
        let (table, level) = self.deepest_table(mmu, va);
        let mut child = page_table;
        for missing in 1..level {
            let parent = frames.alloc(mmu).ok_or(OutOfMemory)?;
            mmu.table(parent)[index(va, missing)] = child | TABLE_FLAGS;
            child = parent;
        }
        mmu.table(table)[index(va, level)] = child | TABLE_FLAGS;
        Ok(())
    }

    /// Calls `visit` with each leaf slot of `[start, end)` that holds a frame; returns how
    /// many there were. Missing tables are skipped whole; large pages must have been split
    /// or be handled by the caller (they are skipped).
    fn for_each_mapped(
        &mut self,
        mmu: &mut impl Mmu,
        start: u64,
        end: u64,
        mut visit: impl FnMut(&mut u64),
    ) -> u64 {
        let mut count = 0;
        let mut va = start;
        while va < end {
            let chunk_end = end.min((va / TABLE_SPAN + 1) * TABLE_SPAN);
            if let Some(table) = self.page_table(mmu, va) {
                let entries = mmu.table(table);
                for page in (va..chunk_end).step_by(PAGE_SIZE as usize) {
                    let slot = &mut entries[index(page, 0)];
                    if holds_frame(*slot) {
                        visit(slot);
                        count += 1;
                    }
                }
            }
            va = chunk_end;
        }
        count
    }

    /// Unmaps `[start, end)`, returning its frames to `frames`; flushes the TLB if needed.
    /// Never fails: a large page covered in part is split, and when no frame is left for its
    /// page table, the first page being unmapped there becomes the table.
    pub fn unmap(&mut self, mmu: &mut impl Mmu, frames: &mut FrameAllocator, start: u64, end: u64) -> u64 {
        if start >= end {
            return 0;
        }
        let ends = [start, end - PAGE_SIZE];
        let distinct = if self.large_pages == 0 {
            0
        } else if large_floor(start) == large_floor(end - PAGE_SIZE) {
            1
        } else {
            2
        };
        for &va in &ends[..distinct] {
            let block = large_floor(va);
            if (block < start || block + LARGE_PAGE_SIZE > end) && self.is_large(mmu, va) {
                match frames.alloc(mmu) {
                    Some(table) => self.split_into(mmu, va, table, None),
                    None => {
                        let first_unmapped = start.max(block);
                        let table = self.entry(mmu, first_unmapped) & ADDRESS_MASK;
                        self.split_into(mmu, va, table, Some(first_unmapped));
                    }
                }
            }
        }
        let mut va = start;
        let mut total = 0;
        while va < end {
            let large = if self.large_pages == 0 { None } else { self.directory(mmu, va).filter(|&d| is_large(mmu.table(d)[index(va, 1)])) };
            if let Some(directory) = large {
                // Wholly inside the range (the ends were split above).
                let slot = &mut mmu.table(directory)[index(va, 1)];
                let first = *slot & LARGE_ADDRESS_MASK;
                *slot = 0;
                frames.free_run(mmu, first, 512);
                self.large_pages -= 1;
                total += 512;
                va += LARGE_PAGE_SIZE;
                continue;
            }
            let chunk_end = end.min((va / TABLE_SPAN + 1) * TABLE_SPAN);
            if let Some(table) = self.page_table(mmu, va) {
                total += Self::unmap_in_table(mmu, frames, table, index(va, 0), index(chunk_end - PAGE_SIZE, 0) + 1);
            }
            va = chunk_end;
        }
        if total > 0 {
            mmu.invalidate(start, end);
        }
        total
    }

    /// Clears the slots `[first, end)` of page table `table` that hold frames and frees those
    /// frames; returns how many. Frames are freed after their slots are cleared (freeing writes
    /// the frame itself, the free-list link, and the table borrow must end first), gathered in
    /// runs of consecutive frames (a fault-around block goes back as one): one pass over the
    /// slots, few instructions per slot, since each costs microseconds under emulation.
    fn unmap_in_table(mmu: &mut impl Mmu, frames: &mut FrameAllocator, table: u64, first: usize, end: usize) -> u64 {
        let mut cleared = 0;
        let mut slot = first;
        while slot < end {
            // Finished runs as (first frame, frame after the last); the open run in registers.
            let mut runs = [(0u64, 0u64); 16];
            let mut count = 0;
            let (mut run, mut next) = (0u64, 0u64);
            let entries = mmu.table(table);
            while slot < end {
                let entry = entries[slot];
                slot += 1;
                if !holds_frame(entry) {
                    continue;
                }
                let frame = entry & ADDRESS_MASK;
                // `next` is 0 before the first run, and no frame is 0.
                if frame != next {
                    if run != 0 {
                        if count == runs.len() {
                            slot -= 1;
                            break; // free the runs gathered so far, then go on from this slot
                        }
                        runs[count] = (run, next);
                        count += 1;
                    }
                    run = frame;
                    next = frame;
                }
                next += PAGE_SIZE;
                entries[slot - 1] = 0;
                cleared += 1;
            }
            if run != 0 {
                frames.free_run(mmu, run, (next - run) / PAGE_SIZE);
            }
            for &(first_frame, after) in &runs[..count] {
                frames.free_run(mmu, first_frame, (after - first_frame) / PAGE_SIZE);
            }
        }
        cleared
    }

    /// Clears the slot of page `va` without freeing its frame (which now lives elsewhere).
    pub fn forget(&mut self, mmu: &mut impl Mmu, frames: &mut FrameAllocator, va: u64) -> Result<(), OutOfMemory> {
        self.split_large(mmu, frames, va, va + PAGE_SIZE, false)?;
        if let Some(table) = self.page_table(mmu, va) {
            mmu.table(table)[index(va, 0)] = 0;
            mmu.invalidate(va, va + PAGE_SIZE);
        }
        Ok(())
    }

    /// Marks the 4 KiB page `va` written, as the processor does when a program writes it (the
    /// kernel's own writes go through the direct map and leave the mark alone). No flush: a
    /// cached translation without the mark only makes the processor set it again.
    pub fn mark_dirty(&mut self, mmu: &mut impl Mmu, va: u64) {
        if let Some(table) = self.page_table(mmu, va) {
            let slot = &mut mmu.table(table)[index(va, 0)];
            if holds_frame(*slot) {
                *slot |= PTE_DIRTY;
            }
        }
    }

    /// The run of pages around `page` inside `[low, high)` (which lies in the 2 MiB one page
    /// table spans) whose slots hold no frame: reads only that table's slots.
    pub fn unmapped_run(&self, mmu: &mut impl Mmu, low: u64, high: u64, page: u64) -> (u64, u64) {
        let Some(table) = self.page_table(mmu, page) else { return (low, high) };
        let slots = mmu.table(table);
        let mut start = page;
        while start > low && !holds_frame(slots[index(start - PAGE_SIZE, 0)]) {
            start -= PAGE_SIZE;
        }
        let mut end = page + PAGE_SIZE;
        while end < high && !holds_frame(slots[index(end, 0)]) {
            end += PAGE_SIZE;
        }
        (start, end)
    }

    /// Hands `write(va, gpa, len)` each run of pages of `[start, end)` written since the last
    /// call (dirty bit set; consecutive in both address spaces, inside one page table) and
    /// clears their dirty bits once it succeeded; stops at the first error. Large pages are
    /// skipped (only anonymous memory has them).
    pub fn take_dirty(&mut self, mmu: &mut impl Mmu, start: u64, end: u64, write: &mut impl FnMut(u64, u64, u64) -> Result<(), i64>) -> Result<(), i64> {
        let mut cleared = false;
        let mut result = Ok(());
        let mut va = start;
        while va < end && result.is_ok() {
            let chunk_end = end.min((va / TABLE_SPAN + 1) * TABLE_SPAN);
            if let Some(table) = self.page_table(mmu, va) {
                let mut page = va;
                while page < chunk_end && result.is_ok() {
                    let entry = mmu.table(table)[index(page, 0)];
                    if entry & (PTE_PRESENT | PTE_DIRTY) != PTE_PRESENT | PTE_DIRTY {
                        page += PAGE_SIZE;
                        continue;
                    }
                    let (run_va, run_pa) = (page, entry & ADDRESS_MASK);
                    let mut pages = 1;
                    while run_va + pages * PAGE_SIZE < chunk_end {
                        let next = mmu.table(table)[index(run_va + pages * PAGE_SIZE, 0)];
                        if next & (PTE_PRESENT | PTE_DIRTY) != PTE_PRESENT | PTE_DIRTY || next & ADDRESS_MASK != run_pa + pages * PAGE_SIZE {
                            break;
                        }
                        pages += 1;
                    }
                    result = write(run_va, run_pa, pages * PAGE_SIZE);
                    if result.is_ok() {
                        for slot in &mut mmu.table(table)[index(run_va, 0)..index(run_va, 0) + pages as usize] {
                            *slot &= !PTE_DIRTY;
                        }
                        cleared = true;
                    }
                    page = run_va + pages * PAGE_SIZE;
                }
            }
            va = chunk_end;
        }
        if cleared {
            mmu.invalidate(start, end);
        }
        result
    }

    /// Gives every page of `[start, end)` that holds a frame the leaf `flags`; returns how many
    /// pages that was. Fails, changing nothing, when a large page covered in part needs a page
    /// table and no frame is left.
    pub fn protect(&mut self, mmu: &mut impl Mmu, frames: &mut FrameAllocator, start: u64, end: u64, flags: u64) -> Result<u64, OutOfMemory> {
        if start >= end {
            return Ok(0);
        }
        self.split_large(mmu, frames, start, end, false)?;
        let mut changed = 0;
        let mut va = start;
        while va < end {
            let large = if self.large_pages == 0 { None } else { self.directory(mmu, va).filter(|&d| is_large(mmu.table(d)[index(va, 1)])) };
            if let Some(directory) = large {
                let slot = &mut mmu.table(directory)[index(va, 1)];
                *slot = (*slot & LARGE_ADDRESS_MASK) | flags | PTE_HUGE;
                changed += 512;
                va += LARGE_PAGE_SIZE;
                continue;
            }
            let chunk_end = end.min((va / TABLE_SPAN + 1) * TABLE_SPAN);
            // The dirty bit stays: a shared file page written before stays to be written back.
            changed += self.for_each_mapped(mmu, va, chunk_end, |slot| *slot = (*slot & (ADDRESS_MASK | PTE_DIRTY)) | flags);
            va = chunk_end;
        }
        if changed > 0 {
            mmu.invalidate(start, end);
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mm::mmu::testing::TestMmu;

    const RW: u64 = leaf_flags(true, true, false);

    fn setup(pages: usize) -> (TestMmu, FrameAllocator, PageTables) {
        let mmu = TestMmu::new(pages);
        // Frame 1 is the root; frames from 2 on are allocatable.
        (mmu, FrameAllocator::new(0x2000, pages as u64 * PAGE_SIZE), PageTables::new(0x1000))
    }

    #[test]
    fn maps_zeroed_frames_and_translates() {
        let (mut mmu, mut frames, mut pt) = setup(64);
        assert_eq!(pt.map_fresh(&mut mmu, &mut frames, 0x40_0000, 0x40_3000, RW), Ok(3));
        let pa = pt.translate(&mut mmu, 0x40_1234).unwrap();
        assert_eq!(pa % PAGE_SIZE, 0x234);
        assert!(mmu.bytes(pa & ADDRESS_MASK).iter().all(|&b| b == 0));
        assert_eq!(pt.translate(&mut mmu, 0x40_3000), None);
        // 3 new tables (PDPT, PD, PT) + 3 pages.
        assert_eq!(frames.available(), 62 - 6);
        let entry = pt.entry(&mut mmu, 0x40_0000);
        assert_eq!(entry & !ADDRESS_MASK, RW);
    }

    #[test]
    fn leaves_mapped_pages_alone_and_reuses_tables() {
        let (mut mmu, mut frames, mut pt) = setup(64);
        pt.map_fresh(&mut mmu, &mut frames, 0x40_0000, 0x40_1000, RW).unwrap();
        let before = pt.translate(&mut mmu, 0x40_0000);
        assert_eq!(pt.map_fresh(&mut mmu, &mut frames, 0x40_0000, 0x40_2000, RW), Ok(1));
        assert_eq!(pt.translate(&mut mmu, 0x40_0000), before);
        assert_eq!(frames.available(), 62 - 5);
    }

    #[test]
    fn fills_holes_with_distinct_zeroed_frames_also_when_frames_were_recycled() {
        let (mut mmu, mut frames, mut pt) = setup(64);
        pt.map_fresh(&mut mmu, &mut frames, 0x40_1000, 0x40_2000, RW).unwrap();
        pt.map_fresh(&mut mmu, &mut frames, 0x40_4000, 0x40_5000, RW).unwrap();
        let kept = [pt.translate(&mut mmu, 0x40_1000), pt.translate(&mut mmu, 0x40_4000)];
        // A freed, dirty frame: the allocator hands it out alone, zeroed, before any run.
        let recycled = frames.alloc(&mut mmu).unwrap();
        mmu.bytes(recycled).fill(0xaa);
        frames.free(&mut mmu, recycled);

        assert_eq!(pt.map_fresh(&mut mmu, &mut frames, 0x40_0000, 0x40_8000, RW), Ok(6));

        assert_eq!([pt.translate(&mut mmu, 0x40_1000), pt.translate(&mut mmu, 0x40_4000)], kept);
        let mut seen = Vec::new();
        for va in (0x40_0000..0x40_8000).step_by(PAGE_SIZE as usize) {
            let pa = pt.translate(&mut mmu, va).unwrap();
            assert!(!seen.contains(&pa), "page {va:#x} shares frame {pa:#x}");
            assert!(mmu.bytes(pa).iter().all(|&b| b == 0), "page {va:#x} is not zeroed");
            seen.push(pa);
        }
        assert!(seen.contains(&recycled));
    }

    #[test]
    fn spans_table_boundaries() {
        let (mut mmu, mut frames, mut pt) = setup(64);
        assert_eq!(pt.map_fresh(&mut mmu, &mut frames, 0x1f_f000, 0x20_1000, RW), Ok(2));
        assert!(pt.translate(&mut mmu, 0x1f_f000).is_some());
        assert!(pt.translate(&mut mmu, 0x20_0000).is_some());
    }

    #[test]
    fn refuses_when_frames_may_run_out() {
        let (mut mmu, mut frames, mut pt) = setup(8);
        assert_eq!(pt.map_fresh(&mut mmu, &mut frames, 0x40_0000, 0x40_8000, RW), Err(OutOfMemory));
        assert_eq!(frames.available(), 6);
        assert_eq!(pt.translate(&mut mmu, 0x40_0000), None);
    }

    #[test]
    fn written_pages_are_handed_over_in_runs_once_and_keep_their_mark_through_mprotect() {
        let (mut mmu, mut frames, mut pt) = setup(64);
        pt.map_fresh(&mut mmu, &mut frames, 0x40_0000, 0x40_5000, RW).unwrap();
        // What the processor does on a write: pages 1 and 2 and 4.
        for va in [0x40_1000, 0x40_2000, 0x40_4000] {
            let table = pt.page_table(&mut mmu, va).unwrap();
            mmu.table(table)[index(va, 0)] |= PTE_DIRTY;
        }
        pt.protect(&mut mmu, &mut frames, 0x40_0000, 0x40_5000, leaf_flags(true, false, false)).unwrap();
        let mut runs = Vec::new();
        let first = pt.translate(&mut mmu, 0x40_0000).unwrap();
        assert_eq!(pt.take_dirty(&mut mmu, 0x40_0000, 0x40_5000, &mut |va, gpa, len| Ok(runs.push((va, gpa - first, len)))), Ok(()));
        assert_eq!(runs, vec![(0x40_1000, 0x1000, 0x2000), (0x40_4000, 0x4000, 0x1000)], "one run per contiguous stretch");
        runs.clear();
        assert_eq!(pt.take_dirty(&mut mmu, 0x40_0000, 0x40_5000, &mut |va, gpa, len| Ok(runs.push((va, gpa, len)))), Ok(()));
        assert!(runs.is_empty(), "handed over once");
        let table = pt.page_table(&mut mmu, 0x40_3000).unwrap();
        mmu.table(table)[index(0x40_3000, 0)] |= PTE_DIRTY;
        assert_eq!(pt.take_dirty(&mut mmu, 0x40_0000, 0x40_5000, &mut |_, _, _| Err(5)), Err(5));
        assert_ne!(pt.entry(&mut mmu, 0x40_3000) & PTE_DIRTY, 0, "a failed write keeps the page dirty");
    }

    #[test]
    fn the_unmapped_run_around_a_page_stops_at_mapped_pages_and_the_bounds() {
        let (mut mmu, mut frames, mut pt) = setup(64);
        assert_eq!(pt.unmapped_run(&mut mmu, 0x40_1000, 0x40_9000, 0x40_4000), (0x40_1000, 0x40_9000), "no table yet");
        pt.map_fresh(&mut mmu, &mut frames, 0x40_2000, 0x40_3000, RW).unwrap();
        pt.map_fresh(&mut mmu, &mut frames, 0x40_6000, 0x40_7000, RW).unwrap();
        assert_eq!(pt.unmapped_run(&mut mmu, 0x40_1000, 0x40_9000, 0x40_4000), (0x40_3000, 0x40_6000));
        assert_eq!(pt.unmapped_run(&mut mmu, 0x40_1000, 0x40_9000, 0x40_1000), (0x40_1000, 0x40_2000));
        assert_eq!(pt.unmapped_run(&mut mmu, 0x40_1000, 0x40_9000, 0x40_8000), (0x40_7000, 0x40_9000));
    }

    #[test]
    fn unmap_frees_frames_and_flushes() {
        let (mut mmu, mut frames, mut pt) = setup(64);
        pt.map_fresh(&mut mmu, &mut frames, 0x40_0000, 0x40_4000, RW).unwrap();
        let available = frames.available();
        assert_eq!(pt.unmap(&mut mmu, &mut frames, 0x40_1000, 0x40_3000), 2);
        assert_eq!(frames.available(), available + 2);
        assert!(pt.translate(&mut mmu, 0x40_1000).is_none());
        assert!(pt.translate(&mut mmu, 0x40_3000).is_some());
        assert_eq!(mmu.invalidations, vec![(0x40_1000, 0x40_3000)]);
        assert_eq!(pt.unmap(&mut mmu, &mut frames, 0x1000_0000, 0x2000_0000), 0);
    }

    #[test]
    fn unmap_frees_scattered_frames_in_more_runs_than_one_batch_holds() {
        let (mut mmu, mut frames, mut pt) = setup(128);
        // Pages mapped last to first get descending frames: 40 runs of one frame each.
        for page in (0..40u64).rev() {
            let va = 0x40_0000 + 2 * page * PAGE_SIZE;
            pt.map_fresh(&mut mmu, &mut frames, va, va + PAGE_SIZE, RW).unwrap();
        }
        let available = frames.available();
        assert_eq!(pt.unmap(&mut mmu, &mut frames, 0x40_0000, 0x40_0000 + 80 * PAGE_SIZE), 40);
        assert_eq!(frames.available(), available + 40);
        assert!((0..80u64).all(|page| pt.translate(&mut mmu, 0x40_0000 + page * PAGE_SIZE).is_none()));
        let mut seen = Vec::new();
        while let Some(frame) = frames.alloc(&mut mmu) {
            assert!(!seen.contains(&frame), "{frame:#x} handed out twice");
            seen.push(frame);
        }
        assert_eq!(seen.len() as u64, available + 40);
    }

    #[test]
    fn protect_none_keeps_the_frame_and_restores_it() {
        let (mut mmu, mut frames, mut pt) = setup(64);
        pt.map_fresh(&mut mmu, &mut frames, 0x40_0000, 0x40_1000, RW).unwrap();
        let pa = pt.translate(&mut mmu, 0x40_0000).unwrap();
        mmu.bytes(pa)[0] = 7;
        assert_eq!(pt.protect(&mut mmu, &mut frames, 0x40_0000, 0x40_1000, leaf_flags(false, false, false)), Ok(1));
        assert_eq!(pt.translate(&mut mmu, 0x40_0000), None);
        assert_eq!(pt.map_fresh(&mut mmu, &mut frames, 0x40_0000, 0x40_1000, RW), Ok(0));
        pt.protect(&mut mmu, &mut frames, 0x40_0000, 0x40_1000, leaf_flags(true, false, true)).unwrap();
        assert_eq!(pt.translate(&mut mmu, 0x40_0000), Some(pa));
        assert_eq!(mmu.bytes(pa)[0], 7);
        let entry = pt.entry(&mut mmu, 0x40_0000);
        assert_eq!(entry & (PTE_WRITABLE | PTE_NO_EXECUTE), 0);
    }

    #[test]
    fn maps_existing_frames_in_place() {
        let (mut mmu, mut frames, mut pt) = setup(64);
        assert_eq!(pt.map_existing(&mut mmu, &mut frames, 0x40_0000, 0x40_2000, RW, 0x3_0000), Ok(2));
        assert_eq!(pt.translate(&mut mmu, 0x40_1008), Some(0x3_1008));
        assert_eq!(frames.available(), 62 - 3, "only tables were allocated");
        pt.replace_frame(&mut mmu, &mut frames, 0x40_1000, 0x3_8000).unwrap();
        assert_eq!(pt.translate(&mut mmu, 0x40_1000), Some(0x3_8000));
        assert_eq!(pt.entry(&mut mmu, 0x40_1000) & !ADDRESS_MASK, RW);
    }

    #[test]
    fn leaf_flags_encode_permissions() {
        assert_eq!(leaf_flags(true, false, false), PTE_PRESENT | PTE_USER | PTE_NO_EXECUTE);
        assert_eq!(leaf_flags(true, true, true), PTE_PRESENT | PTE_USER | PTE_WRITABLE);
        assert_eq!(leaf_flags(false, false, false), PTE_PROT_NONE);
    }

    /// 12 MiB of RAM: frames from 2 on are allocatable, so 2 MiB-aligned runs exist.
    fn setup_large() -> (TestMmu, FrameAllocator, PageTables) {
        setup(3 * 1024)
    }

    const LARGE: u64 = 0x4000_0000; // a 2 MiB-aligned user address

    fn fill_pattern(mmu: &mut TestMmu, pt: &PageTables, start: u64, end: u64) {
        for va in (start..end).step_by(PAGE_SIZE as usize) {
            let pa = pt.translate(mmu, va).unwrap();
            mmu.bytes(pa)[..8].copy_from_slice(&va.to_le_bytes());
        }
    }

    fn reads_pattern(mmu: &mut TestMmu, pt: &PageTables, va: u64) -> bool {
        pt.translate(mmu, va).is_some_and(|pa| mmu.bytes(pa)[..8] == va.to_le_bytes())
    }

    #[test]
    fn maps_a_large_page_with_one_entry() {
        let (mut mmu, mut frames, mut pt) = setup_large();
        let before = frames.available();
        assert_eq!(pt.map_large(&mut mmu, &mut frames, LARGE, RW), Ok(true));
        assert!(pt.is_large(&mut mmu, LARGE + 0x1f_f000));
        let first = pt.translate(&mut mmu, LARGE).unwrap();
        assert_eq!(first % LARGE_PAGE_SIZE, 0, "the frame is 2 MiB aligned");
        assert_eq!(pt.translate(&mut mmu, LARGE + 0x12_3456), Some(first + 0x12_3456));
        assert_eq!(pt.entry(&mut mmu, LARGE + 0x5000) & !ADDRESS_MASK, RW, "4 KiB view: the large page's flags");
        assert!(mmu.bytes(first + 0x7000).iter().all(|&b| b == 0));
        // 512 frames plus PDPT and PD; the frames skipped for alignment stay available.
        assert_eq!(frames.available(), before - 512 - 2);
        assert_eq!(pt.map_large(&mut mmu, &mut frames, LARGE, RW), Ok(false), "already mapped");
        assert_eq!(pt.map_fresh(&mut mmu, &mut frames, LARGE, LARGE + 0x4000, RW), Ok(0), "pages hold frames");
        assert!(pt.is_large(&mut mmu, LARGE));
    }

    #[test]
    fn no_large_page_where_small_pages_are() {
        let (mut mmu, mut frames, mut pt) = setup_large();
        pt.map_fresh(&mut mmu, &mut frames, LARGE + 0x1000, LARGE + 0x2000, RW).unwrap();
        assert_eq!(pt.map_large(&mut mmu, &mut frames, LARGE, RW), Ok(false));
        assert!(!pt.is_large(&mut mmu, LARGE));
        let (mut mmu, mut frames, mut pt) = setup(600);
        assert_eq!(pt.map_large(&mut mmu, &mut frames, LARGE, RW), Ok(false), "no aligned 2 MiB to spare");
    }

    #[test]
    fn protecting_part_of_a_large_page_splits_it() {
        let (mut mmu, mut frames, mut pt) = setup_large();
        pt.map_large(&mut mmu, &mut frames, LARGE, RW).unwrap();
        fill_pattern(&mut mmu, &pt, LARGE, LARGE + LARGE_PAGE_SIZE);
        let read_only = leaf_flags(true, false, false);
        assert_eq!(pt.protect(&mut mmu, &mut frames, LARGE + 0x3000, LARGE + 0x5000, read_only), Ok(2));
        assert!(!pt.is_large(&mut mmu, LARGE));
        for va in (LARGE..LARGE + LARGE_PAGE_SIZE).step_by(PAGE_SIZE as usize) {
            assert!(reads_pattern(&mut mmu, &pt, va), "page {va:#x} keeps its frame");
            let expected = if (LARGE + 0x3000..LARGE + 0x5000).contains(&va) { read_only } else { RW };
            assert_eq!(pt.entry(&mut mmu, va) & !ADDRESS_MASK, expected, "page {va:#x}");
        }
        assert_eq!(mmu.invalidations.last(), Some(&(LARGE + 0x3000, LARGE + 0x5000)));
    }

    #[test]
    fn protecting_a_whole_large_page_keeps_it_large_even_with_no_access() {
        let (mut mmu, mut frames, mut pt) = setup_large();
        pt.map_large(&mut mmu, &mut frames, LARGE, RW).unwrap();
        let frame = pt.translate(&mut mmu, LARGE).unwrap();
        let none = leaf_flags(false, false, false);
        assert_eq!(pt.protect(&mut mmu, &mut frames, LARGE, LARGE + LARGE_PAGE_SIZE, none), Ok(512));
        assert!(pt.is_large(&mut mmu, LARGE));
        assert_eq!(pt.translate(&mut mmu, LARGE), None);
        assert_eq!(pt.map_fresh(&mut mmu, &mut frames, LARGE, LARGE + 0x1000, RW), Ok(0), "the frames stay");
        assert_eq!(pt.protect(&mut mmu, &mut frames, LARGE, LARGE + LARGE_PAGE_SIZE, RW), Ok(512));
        assert_eq!(pt.translate(&mut mmu, LARGE), Some(frame));
        assert!(pt.is_large(&mut mmu, LARGE));
    }

    #[test]
    fn unmapping_part_of_a_large_page_frees_only_that_part() {
        let (mut mmu, mut frames, mut pt) = setup_large();
        pt.map_large(&mut mmu, &mut frames, LARGE, RW).unwrap();
        fill_pattern(&mut mmu, &pt, LARGE, LARGE + LARGE_PAGE_SIZE);
        let before = frames.available();
        assert_eq!(pt.unmap(&mut mmu, &mut frames, LARGE + 0x10_0000, LARGE + 0x10_3000), 3);
        assert_eq!(frames.available(), before - 1 + 3, "one frame for the page table, three freed");
        assert_eq!(pt.translate(&mut mmu, LARGE + 0x10_1000), None);
        assert!(reads_pattern(&mut mmu, &pt, LARGE + 0xf_f000));
        assert!(reads_pattern(&mut mmu, &pt, LARGE + 0x10_3000));
        assert!(reads_pattern(&mut mmu, &pt, LARGE));
    }

    #[test]
    fn unmapping_across_large_pages_frees_them_whole() {
        let (mut mmu, mut frames, mut pt) = setup_large();
        pt.map_large(&mut mmu, &mut frames, LARGE, RW).unwrap();
        pt.map_large(&mut mmu, &mut frames, LARGE + LARGE_PAGE_SIZE, RW).unwrap();
        fill_pattern(&mut mmu, &pt, LARGE, LARGE + 2 * LARGE_PAGE_SIZE);
        let before = frames.available();
        // The first large page goes whole, the second from its start to 0x1000 before its end.
        let end = LARGE + 2 * LARGE_PAGE_SIZE - 0x1000;
        assert_eq!(pt.unmap(&mut mmu, &mut frames, LARGE, end), 512 + 511);
        assert_eq!(frames.available(), before + 512 + 511 - 1);
        assert_eq!(pt.translate(&mut mmu, LARGE), None);
        assert_eq!(pt.translate(&mut mmu, end - 0x1000), None);
        assert!(reads_pattern(&mut mmu, &pt, end));
        // Freed frames come back zeroed, one at a time.
        let recycled = frames.alloc(&mut mmu).unwrap();
        assert!(mmu.bytes(recycled).iter().all(|&b| b == 0));
    }

    #[test]
    fn unmapping_part_of_a_large_page_works_with_no_frame_left() {
        let (mut mmu, mut frames, mut pt) = setup_large();
        pt.map_large(&mut mmu, &mut frames, LARGE, RW).unwrap();
        fill_pattern(&mut mmu, &pt, LARGE, LARGE + LARGE_PAGE_SIZE);
        while frames.alloc(&mut mmu).is_some() {}
        assert_eq!(pt.unmap(&mut mmu, &mut frames, LARGE + 0x2000, LARGE + 0x4000), 1, "one page became the table");
        assert_eq!(pt.translate(&mut mmu, LARGE + 0x2000), None);
        assert_eq!(pt.translate(&mut mmu, LARGE + 0x3000), None);
        assert_eq!(frames.available(), 1);
        for va in (LARGE..LARGE + LARGE_PAGE_SIZE).step_by(PAGE_SIZE as usize) {
            if !(LARGE + 0x2000..LARGE + 0x4000).contains(&va) {
                assert!(reads_pattern(&mut mmu, &pt, va), "page {va:#x}");
            }
        }
    }

    #[test]
    fn protect_fails_cleanly_when_a_split_has_no_frame() {
        let (mut mmu, mut frames, mut pt) = setup_large();
        pt.map_large(&mut mmu, &mut frames, LARGE, RW).unwrap();
        while frames.alloc(&mut mmu).is_some() {}
        let read_only = leaf_flags(true, false, false);
        assert_eq!(pt.protect(&mut mmu, &mut frames, LARGE, LARGE + 0x1000, read_only), Err(OutOfMemory));
        assert!(pt.is_large(&mut mmu, LARGE));
        assert_eq!(pt.entry(&mut mmu, LARGE) & !ADDRESS_MASK, RW);
    }

    #[test]
    fn forget_and_replace_frame_split_first() {
        let (mut mmu, mut frames, mut pt) = setup_large();
        pt.map_large(&mut mmu, &mut frames, LARGE, RW).unwrap();
        fill_pattern(&mut mmu, &pt, LARGE, LARGE + LARGE_PAGE_SIZE);
        pt.forget(&mut mmu, &mut frames, LARGE + 0x8000).unwrap();
        assert_eq!(pt.translate(&mut mmu, LARGE + 0x8000), None);
        assert!(reads_pattern(&mut mmu, &pt, LARGE + 0x9000));
        pt.replace_frame(&mut mmu, &mut frames, LARGE + 0x9000, 0x3000).unwrap();
        assert_eq!(pt.translate(&mut mmu, LARGE + 0x9000), Some(0x3000));
    }

    #[test]
    fn split_large_splits_partial_or_all() {
        let (mut mmu, mut frames, mut pt) = setup_large();
        for i in 0..3 {
            pt.map_large(&mut mmu, &mut frames, LARGE + i * LARGE_PAGE_SIZE, RW).unwrap();
        }
        let whole = (LARGE, LARGE + 3 * LARGE_PAGE_SIZE);
        pt.split_large(&mut mmu, &mut frames, whole.0 + 0x1000, whole.1, false).unwrap();
        assert!(!pt.is_large(&mut mmu, LARGE));
        assert!(pt.is_large(&mut mmu, LARGE + LARGE_PAGE_SIZE), "covered whole: stays large");
        assert!(pt.is_large(&mut mmu, LARGE + 2 * LARGE_PAGE_SIZE));
        pt.split_large(&mut mmu, &mut frames, whole.0, whole.1, true).unwrap();
        assert!(!pt.is_large(&mut mmu, LARGE + LARGE_PAGE_SIZE));
        assert!(!pt.is_large(&mut mmu, LARGE + 2 * LARGE_PAGE_SIZE));
        assert!(pt.translate(&mut mmu, LARGE + 2 * LARGE_PAGE_SIZE + 0x1f_f000).is_some());
    }
}
