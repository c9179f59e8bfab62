//! User page tables: 4-level, 4 KiB pages, in PML4 slots 0..253 of the host-built PML4 (slot
//! 255 maps the kernel). Under shadow paging (PVM) every write to a live page-table traps to
//! the hypervisor, so a new table is filled completely before it is linked in: filling it is
//! then plain memory traffic and only the linking write traps.

use crate::abi::{PAGE_SIZE, USER_TOP};
use crate::frame::FrameAllocator;
use crate::mmu::Mmu;

pub const PTE_PRESENT: u64 = 1 << 0;
pub const PTE_WRITABLE: u64 = 1 << 1;
pub const PTE_USER: u64 = 1 << 2;
pub const PTE_HUGE: u64 = 1 << 7;
/// Software bit: the entry keeps its frame but allows no access (`PROT_NONE`).
pub const PTE_PROT_NONE: u64 = 1 << 9;
pub const PTE_NO_EXECUTE: u64 = 1 << 63;
pub const ADDRESS_MASK: u64 = 0x000f_ffff_ffff_f000;

/// Flags of intermediate entries: the leaf decides the real permission.
const TABLE_FLAGS: u64 = PTE_PRESENT | PTE_WRITABLE | PTE_USER;
const TABLE_SPAN: u64 = 512 * PAGE_SIZE;

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
}

impl PageTables {
    pub const fn new(root: u64) -> Self {
        PageTables { root }
    }

    pub fn root(&self) -> u64 {
        self.root
    }

    /// The page table (level 0) covering `va`, if it exists.
    fn page_table(&self, mmu: &mut impl Mmu, va: u64) -> Option<u64> {
        let mut table = self.root;
        for level in (1..4).rev() {
            let entry = mmu.table(table)[index(va, level)];
            if entry & PTE_PRESENT == 0 || entry & PTE_HUGE != 0 {
                return None;
            }
            table = entry & ADDRESS_MASK;
        }
        Some(table)
    }

    /// How many tables must be created before `va` can be mapped (an upper bound when
    /// several missing ranges share a new upper table).
    fn missing_tables(&self, mmu: &mut impl Mmu, va: u64) -> u64 {
        let mut table = self.root;
        for level in (1..4).rev() {
            let entry = mmu.table(table)[index(va, level)];
            if entry & PTE_PRESENT == 0 {
                return level as u64;
            }
            table = entry & ADDRESS_MASK;
        }
        0
    }

    /// The leaf entry of `va` (0 when nothing is mapped there).
    pub fn entry(&self, mmu: &mut impl Mmu, va: u64) -> u64 {
        match self.page_table(mmu, va) {
            Some(table) => mmu.table(table)[index(va, 0)],
            None => 0,
        }
    }

    /// The guest-physical address that `va` maps to, if the page is accessible.
    pub fn translate(&self, mmu: &mut impl Mmu, va: u64) -> Option<u64> {
        let entry = self.entry(mmu, va);
        (entry & PTE_PRESENT != 0).then(|| (entry & ADDRESS_MASK) + va % PAGE_SIZE)
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
            let (table, linked) = match self.page_table(mmu, va) {
                Some(table) => (table, true),
                None => (frames.alloc(mmu).ok_or(OutOfMemory)?, false),
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
    pub fn replace_frame(&mut self, mmu: &mut impl Mmu, va: u64, frame: u64) {
        if let Some(table) = self.page_table(mmu, va) {
            let slot = &mut mmu.table(table)[index(va, 0)];
            *slot = (*slot & !ADDRESS_MASK) | frame;
            mmu.invalidate(va, va + PAGE_SIZE);
        }
    }

    /// Hooks a filled page table for `va` into the tree, creating the missing upper tables
    /// bottom-up so that the only write into a live table is the last one.
    fn link(&mut self, mmu: &mut impl Mmu, frames: &mut FrameAllocator, va: u64, page_table: u64) -> Result<(), OutOfMemory> {
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
    /// many there were. Missing tables are skipped whole.
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
    pub fn unmap(&mut self, mmu: &mut impl Mmu, frames: &mut FrameAllocator, start: u64, end: u64) -> u64 {
        let mut released = [0u64; 64];
        let mut pending = 0;
        let mut va = start;
        let mut total = 0;
        // Frames are freed after the slot is cleared, in batches, because freeing writes the
        // frame itself (the free list link) and the table borrow must end first.
        while va < end {
            let chunk_end = end.min((va / TABLE_SPAN + 1) * TABLE_SPAN).min(va + 64 * PAGE_SIZE);
            total += self.for_each_mapped(mmu, va, chunk_end, |slot| {
                released[pending] = *slot & ADDRESS_MASK;
                pending += 1;
                *slot = 0;
            });
            for &frame in &released[..pending] {
                frames.free(mmu, frame);
            }
            pending = 0;
            va = chunk_end;
        }
        if total > 0 {
            mmu.invalidate(start, end);
        }
        total
    }

    /// Clears the slot of page `va` without freeing its frame (which now lives elsewhere).
    pub fn forget(&mut self, mmu: &mut impl Mmu, va: u64) {
        if let Some(table) = self.page_table(mmu, va) {
            mmu.table(table)[index(va, 0)] = 0;
            mmu.invalidate(va, va + PAGE_SIZE);
        }
    }

    /// Gives every page of `[start, end)` that holds a frame the leaf `flags`.
    pub fn protect(&mut self, mmu: &mut impl Mmu, start: u64, end: u64, flags: u64) -> u64 {
        let changed = self.for_each_mapped(mmu, start, end, |slot| *slot = (*slot & ADDRESS_MASK) | flags);
        if changed > 0 {
            mmu.invalidate(start, end);
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mmu::testing::TestMmu;

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
    fn protect_none_keeps_the_frame_and_restores_it() {
        let (mut mmu, mut frames, mut pt) = setup(64);
        pt.map_fresh(&mut mmu, &mut frames, 0x40_0000, 0x40_1000, RW).unwrap();
        let pa = pt.translate(&mut mmu, 0x40_0000).unwrap();
        mmu.bytes(pa)[0] = 7;
        assert_eq!(pt.protect(&mut mmu, 0x40_0000, 0x40_1000, leaf_flags(false, false, false)), 1);
        assert_eq!(pt.translate(&mut mmu, 0x40_0000), None);
        assert_eq!(pt.map_fresh(&mut mmu, &mut frames, 0x40_0000, 0x40_1000, RW), Ok(0));
        pt.protect(&mut mmu, 0x40_0000, 0x40_1000, leaf_flags(true, false, true));
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
        pt.replace_frame(&mut mmu, 0x40_1000, 0x3_8000);
        assert_eq!(pt.translate(&mut mmu, 0x40_1000), Some(0x3_8000));
        assert_eq!(pt.entry(&mut mmu, 0x40_1000) & !ADDRESS_MASK, RW);
    }

    #[test]
    fn leaf_flags_encode_permissions() {
        assert_eq!(leaf_flags(true, false, false), PTE_PRESENT | PTE_USER | PTE_NO_EXECUTE);
        assert_eq!(leaf_flags(true, true, true), PTE_PRESENT | PTE_USER | PTE_WRITABLE);
        assert_eq!(leaf_flags(false, false, false), PTE_PROT_NONE);
    }
}
