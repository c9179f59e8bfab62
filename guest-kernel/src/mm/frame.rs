//! The physical frame allocator: a bump pointer over the free range the host gives, plus a
//! list of recycled runs of contiguous frames, each linked through its first frame (next run,
//! length), so that freeing a large page or a fault-around block is one list write, not one per
//! frame (each costs microseconds under emulation). Large pages (2 MiB) come from the bump
//! pointer, aligned; the untouched frames the alignment skips are kept as a gap that single
//! frames and runs use first.

use crate::abi::host::PAGE_SIZE;
use crate::mm::mmu::Mmu;
use crate::mm::paging::LARGE_PAGE_SIZE;

pub struct FrameAllocator {
    start: u64,
    next: u64,
    end: u64,
    /// First frame of the first recycled run (0: none; GPA 0 is never in the free range).
    free_head: u64,
    free_count: u64,
    /// Untouched (zero) frames `[gap_next, gap_end)` below `next`, skipped to align a large page.
    gap_next: u64,
    gap_end: u64,
}

impl FrameAllocator {
    /// Frames `[start, end)`, page aligned, which the host handed over zero-filled.
    pub const fn new(start: u64, end: u64) -> Self {
        FrameAllocator { start, next: start, end, free_head: 0, free_count: 0, gap_next: 0, gap_end: 0 }
    }

    /// A zero-filled frame, or `None` when memory is exhausted.
    pub fn alloc(&mut self, mmu: &mut impl Mmu) -> Option<u64> {
        if self.free_head != 0 {
            // The run's last frame, so that its first keeps the link; the first goes last.
            let run = self.free_head;
            let node = mmu.table(run);
            let length = node[1];
            let frame = if length > 1 {
                node[1] = length - 1;
                run + (length - 1) * PAGE_SIZE
            } else {
                self.free_head = node[0];
                run
            };
            // Recycled frames hold old data: zero them before they are handed out.
            mmu.table(frame).fill(0);
            self.free_count -= 1;
            return Some(frame);
        }
        if self.gap_next < self.gap_end {
            let frame = self.gap_next;
            self.gap_next += PAGE_SIZE;
            return Some(frame);
        }
        if self.next < self.end {
            let frame = self.next;
            self.next += PAGE_SIZE;
            return Some(frame);
        }
        None
    }

    /// Up to `max` physically contiguous zero-filled frames: `(first frame, count)`. A recycled
    /// frame comes alone; otherwise the run comes from the untouched part of the range, so that
    /// the host can fill it with one read.
    pub fn alloc_run(&mut self, mmu: &mut impl Mmu, max: u64) -> Option<(u64, u64)> {
        if self.free_head != 0 || max <= 1 {
            return self.alloc(mmu).map(|frame| (frame, 1));
        }
        if self.gap_next < self.gap_end {
            let first = self.gap_next;
            let count = max.min((self.gap_end - first) / PAGE_SIZE);
            self.gap_next += count * PAGE_SIZE;
            return Some((first, count));
        }
        let count = max.min((self.end - self.next) / PAGE_SIZE);
        if count == 0 {
            return None;
        }
        let first = self.next;
        self.next += count * PAGE_SIZE;
        Some((first, count))
    }

    /// Up to `max` physically contiguous frames the caller overwrites whole (a file mapping's
    /// fill): `(first frame, count)`. Freed frames come first, as a run and not zeroed: zeroing
    /// them in the kernel is emulated instruction by instruction under PVM (a 4 KiB page, some
    /// 500 of them), and a program that maps and unmaps libraries (the dynamic loader maps a
    /// library whole before mapping its segments over it) would have every later page of file
    /// filled one frame, one host read and one zeroing at a time.
    pub fn alloc_run_to_overwrite(&mut self, mmu: &mut impl Mmu, max: u64) -> Option<(u64, u64)> {
        if self.free_head == 0 || max == 0 {
            return self.alloc_run(mmu, max);
        }
        let run = self.free_head;
        let node = mmu.table(run);
        let (next, length) = (node[0], node[1]);
        let count = max.min(length);
        if count == length {
            self.free_head = next;
        } else {
            // The run's first frame keeps the link: the frames go from its end.
            node[1] = length - count;
        }
        self.free_count -= count;
        Some((run + (length - count) * PAGE_SIZE, count))
    }

    /// Returns the unused end of the run `alloc_run` just handed out (`first`, `count` frames,
    /// of which the first `used` were used), when nothing was allocated since: callers may take
    /// a run for the largest need and give back what they did not need.
    pub fn return_run_tail(&mut self, first: u64, count: u64, used: u64) {
        if used >= count {
            return;
        }
        if first + count * PAGE_SIZE == self.next {
            self.next = first + used * PAGE_SIZE;
        } else if first + count * PAGE_SIZE == self.gap_next && first < self.gap_end {
            self.gap_next = first + used * PAGE_SIZE;
        }
    }

    /// 512 contiguous zero-filled frames starting at a 2 MiB boundary (one large page), taken
    /// from the untouched range, or `None` when it has no aligned 2 MiB left. Frames skipped
    /// for the alignment are kept for single frames (or, if a gap is still open, recycled).
    pub fn alloc_large(&mut self, mmu: &mut impl Mmu) -> Option<u64> {
        let first = self.next.checked_add(LARGE_PAGE_SIZE - 1)? & !(LARGE_PAGE_SIZE - 1);
        if first.checked_add(LARGE_PAGE_SIZE)? > self.end {
            return None;
        }
        if first > self.next {
            if self.gap_next < self.gap_end {
                self.push_run(mmu, self.next, (first - self.next) / PAGE_SIZE);
            } else {
                self.gap_next = self.next;
                self.gap_end = first;
            }
        }
        self.next = first + LARGE_PAGE_SIZE;
        Some(first)
    }

    /// Takes `pages` frames off the top of the range for good: they are never handed out or
    /// freed (used for files the kernel reads whole, like the program interpreter, whose
    /// pages are then mapped in place as the program image is).
    pub fn carve_top(&mut self, pages: u64) -> Option<u64> {
        let bytes = pages.checked_mul(PAGE_SIZE)?;
        if (self.end - self.next) < bytes {
            return None;
        }
        self.end -= bytes;
        Some(self.end)
    }

    /// Returns a frame this allocator handed out. Frames outside its range (the program
    /// image, the kernel) are ignored, so callers may pass any mapped frame.
    pub fn free(&mut self, mmu: &mut impl Mmu, frame: u64) {
        if !self.owns(frame) {
            return;
        }
        self.push_run(mmu, frame, 1);
    }

    /// Returns `count` contiguous frames from `first` that this allocator handed out; runs
    /// outside its range are ignored, as `free` ignores frames.
    pub fn free_run(&mut self, mmu: &mut impl Mmu, first: u64, count: u64) {
        if count == 0 || !self.owns(first) || !self.owns(first + (count - 1) * PAGE_SIZE) {
            return;
        }
        self.push_run(mmu, first, count);
    }

    fn push_run(&mut self, mmu: &mut impl Mmu, first: u64, count: u64) {
        let node = mmu.table(first);
        node[0] = self.free_head;
        node[1] = count;
        self.free_head = first;
        self.free_count += count;
    }

    pub fn owns(&self, frame: u64) -> bool {
        frame >= self.start && frame < self.next && frame % PAGE_SIZE == 0
    }

    /// Frames handed out and not returned.
    pub fn used(&self) -> u64 {
        (self.next - self.start) / PAGE_SIZE - self.free_count - self.gap_frames()
    }

    /// Frames that can still be allocated.
    pub fn available(&self) -> u64 {
        (self.end - self.next) / PAGE_SIZE + self.free_count + self.gap_frames()
    }

    fn gap_frames(&self) -> u64 {
        (self.gap_end - self.gap_next) / PAGE_SIZE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mm::mmu::testing::TestMmu;

    #[test]
    fn hands_out_each_frame_once_then_runs_dry() {
        let mut mmu = TestMmu::new(8);
        let mut frames = FrameAllocator::new(0x2000, 0x5000);
        assert_eq!(frames.available(), 3);
        let got: Vec<_> = (0..3).map(|_| frames.alloc(&mut mmu).unwrap()).collect();
        assert_eq!(got, vec![0x2000, 0x3000, 0x4000]);
        assert_eq!(frames.alloc(&mut mmu), None);
    }

    #[test]
    fn frames_to_overwrite_come_from_freed_runs_whole_or_from_their_end() {
        let mut mmu = TestMmu::new(16);
        let mut frames = FrameAllocator::new(0x1000, 0x10000);
        let (first, count) = frames.alloc_run(&mut mmu, 8).unwrap();
        assert_eq!((first, count), (0x1000, 8));
        frames.free_run(&mut mmu, first, count);
        assert_eq!(frames.alloc_run_to_overwrite(&mut mmu, 3), Some((0x6000, 3)), "the run's end");
        assert_eq!(frames.alloc_run_to_overwrite(&mut mmu, 9), Some((0x1000, 5)), "the rest, link frame too");
        assert_eq!(frames.available(), 7, "then untouched frames");
        assert_eq!(frames.alloc_run_to_overwrite(&mut mmu, 9), Some((0x9000, 7)));
        assert_eq!(frames.alloc_run_to_overwrite(&mut mmu, 1), None);
    }

    #[test]
    fn recycles_freed_frames_zeroed() {
        let mut mmu = TestMmu::new(8);
        let mut frames = FrameAllocator::new(0x2000, 0x4000);
        let a = frames.alloc(&mut mmu).unwrap();
        let b = frames.alloc(&mut mmu).unwrap();
        mmu.bytes(a).fill(0xaa);
        mmu.bytes(b).fill(0xbb);
        frames.free(&mut mmu, a);
        frames.free(&mut mmu, b);
        assert_eq!(frames.available(), 2);
        assert_eq!(frames.alloc(&mut mmu), Some(b));
        assert_eq!(frames.alloc(&mut mmu), Some(a));
        assert!(mmu.bytes(a).iter().all(|&x| x == 0));
        assert!(mmu.bytes(b).iter().all(|&x| x == 0));
        assert_eq!(frames.alloc(&mut mmu), None);
    }

    #[test]
    fn hands_out_contiguous_runs_and_carves_the_top() {
        let mut mmu = TestMmu::new(16);
        let mut frames = FrameAllocator::new(0x2000, 0x10000);
        assert_eq!(frames.carve_top(2), Some(0xe000));
        assert!(!frames.owns(0xe000));
        assert_eq!(frames.alloc_run(&mut mmu, 4), Some((0x2000, 4)));
        let single = frames.alloc(&mut mmu).unwrap();
        frames.free(&mut mmu, single);
        assert_eq!(frames.alloc_run(&mut mmu, 4), Some((single, 1)), "recycled frames come alone");
        assert_eq!(frames.alloc_run(&mut mmu, 100), Some((0x7000, 7)));
        assert_eq!(frames.alloc_run(&mut mmu, 4), None);
        assert_eq!(frames.carve_top(1), None);
    }

    #[test]
    fn takes_back_the_unused_tail_of_the_last_run() {
        let mut mmu = TestMmu::new(16);
        let mut frames = FrameAllocator::new(0x2000, 0x10000);
        let (first, count) = frames.alloc_run(&mut mmu, 8).unwrap();
        frames.return_run_tail(first, count, 3);
        assert_eq!(frames.available(), 14 - 3);
        assert_eq!(frames.alloc(&mut mmu), Some(first + 3 * PAGE_SIZE));
        // Too late once something else was allocated after the run.
        let (first, count) = frames.alloc_run(&mut mmu, 4).unwrap();
        let other = frames.alloc(&mut mmu).unwrap();
        frames.return_run_tail(first, count, 1);
        assert_eq!(frames.alloc(&mut mmu), Some(other + PAGE_SIZE));
    }

    #[test]
    fn ignores_frames_it_does_not_own() {
        let mut mmu = TestMmu::new(8);
        let mut frames = FrameAllocator::new(0x2000, 0x4000);
        frames.free(&mut mmu, 0x1000);
        frames.free(&mut mmu, 0x3000); // in range but never handed out
        assert_eq!(frames.available(), 2);
    }

    #[test]
    fn freed_runs_come_back_one_zeroed_frame_at_a_time() {
        let mut mmu = TestMmu::new(16);
        let mut frames = FrameAllocator::new(0x2000, 0x10000);
        let (first, count) = frames.alloc_run(&mut mmu, 4).unwrap();
        for i in 0..count {
            mmu.bytes(first + i * PAGE_SIZE).fill(0xee);
        }
        let single = frames.alloc(&mut mmu).unwrap();
        frames.free_run(&mut mmu, first, count);
        frames.free(&mut mmu, single);
        frames.free_run(&mut mmu, 0x20_0000, 3); // not this allocator's: ignored
        assert_eq!(frames.available(), 14);
        let mut got = Vec::new();
        for _ in 0..5 {
            let frame = frames.alloc(&mut mmu).unwrap();
            assert!(mmu.bytes(frame).iter().all(|&b| b == 0), "{frame:#x} is zeroed");
            got.push(frame);
        }
        assert_eq!(got, vec![single, first + 0x3000, first + 0x2000, first + 0x1000, first]);
        assert_eq!(frames.alloc(&mut mmu), Some(0x7000), "then the untouched range");
    }

    #[test]
    fn large_runs_are_aligned_and_the_skipped_frames_are_used_first() {
        let large = LARGE_PAGE_SIZE;
        let mut mmu = TestMmu::new(3 * 512);
        let mut frames = FrameAllocator::new(0x2000, 3 * large);
        let total = frames.available();
        assert_eq!(frames.alloc_large(&mut mmu), Some(large));
        assert_eq!(frames.available(), total - 512, "the gap below stays available");
        assert_eq!(frames.used(), 512);
        // The gap [0x2000, 2 MiB) serves single frames and runs before the bump pointer.
        assert_eq!(frames.alloc(&mut mmu), Some(0x2000));
        assert_eq!(frames.alloc_run(&mut mmu, 4), Some((0x3000, 4)));
        let (first, count) = frames.alloc_run(&mut mmu, 8).unwrap();
        assert_eq!((first, count), (0x7000, 8));
        frames.return_run_tail(first, count, 2);
        assert_eq!(frames.alloc(&mut mmu), Some(0x9000), "the unused tail went back to the gap");
        assert_eq!(frames.used(), 512 + 1 + 4 + 2 + 1);
        assert_eq!(frames.available() + frames.used(), total);
        assert_eq!(frames.alloc_large(&mut mmu), Some(2 * large));
        assert_eq!(frames.alloc_large(&mut mmu), None, "no aligned 2 MiB left below the end");
    }

    #[test]
    fn a_second_gap_while_one_is_open_goes_to_the_free_list() {
        let large = LARGE_PAGE_SIZE;
        let mut mmu = TestMmu::new(6 * 512);
        let mut frames = FrameAllocator::new(0x2000, 6 * large);
        let total = frames.available();
        assert_eq!(frames.alloc_large(&mut mmu), Some(large));
        assert_eq!(frames.alloc_run(&mut mmu, 16), Some((0x2000, 16)), "from the gap");
        frames.next += PAGE_SIZE; // a frame taken from the bump pointer (as alloc would with no gap)
        assert_eq!(frames.alloc_large(&mut mmu), Some(3 * large));
        assert_eq!(frames.available() + frames.used(), total);
        // The frames between the two large pages were freed (and come back zeroed).
        mmu.bytes(2 * large + 0x5000)[8..].fill(0xcc); // past the free-list link
        let mut seen = 0;
        while let Some(frame) = frames.alloc(&mut mmu) {
            assert!(frame < 3 * large || frame >= 4 * large, "{frame:#x} is inside the large page");
            if frame == 2 * large + 0x5000 {
                assert!(mmu.bytes(frame).iter().all(|&b| b == 0));
            }
            seen += 1;
        }
        assert_eq!(seen, total - 16 - 1 - 2 * 512);
    }
}
