//! The physical frame allocator: a bump pointer over the free range the host gives, plus a
//! list of recycled frames linked through their first word.

use crate::abi::PAGE_SIZE;
use crate::mmu::Mmu;

pub struct FrameAllocator {
    start: u64,
    next: u64,
    end: u64,
    /// Head of the recycled list (0: empty; GPA 0 is never in the free range).
    free_head: u64,
    free_count: u64,
}

impl FrameAllocator {
    /// Frames `[start, end)`, page aligned, which the host handed over zero-filled.
    pub const fn new(start: u64, end: u64) -> Self {
        FrameAllocator { start, next: start, end, free_head: 0, free_count: 0 }
    }

    /// A zero-filled frame, or `None` when memory is exhausted.
    pub fn alloc(&mut self, mmu: &mut impl Mmu) -> Option<u64> {
        if self.free_head != 0 {
            let frame = self.free_head;
            let page = mmu.table(frame);
            self.free_head = page[0];
            // Recycled frames hold old data: zero them before they are handed out.
            page.fill(0);
            self.free_count -= 1;
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
        let count = max.min((self.end - self.next) / PAGE_SIZE);
        if count == 0 {
            return None;
        }
        let first = self.next;
        self.next += count * PAGE_SIZE;
        Some((first, count))
    }

    /// Returns the unused end of the run `alloc_run` just handed out (`first`, `count` frames,
    /// of which the first `used` were used), when nothing was allocated since: callers may take
    /// a run for the largest need and give back what they did not need.
    pub fn return_run_tail(&mut self, first: u64, count: u64, used: u64) {
        if used < count && first + count * PAGE_SIZE == self.next {
            self.next = first + used * PAGE_SIZE;
        }
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
        mmu.table(frame)[0] = self.free_head;
        self.free_head = frame;
        self.free_count += 1;
    }

    pub fn owns(&self, frame: u64) -> bool {
        frame >= self.start && frame < self.next && frame % PAGE_SIZE == 0
    }

    /// Frames handed out and not returned.
    pub fn used(&self) -> u64 {
        (self.next - self.start) / PAGE_SIZE - self.free_count
    }

    /// Frames that can still be allocated.
    pub fn available(&self) -> u64 {
        (self.end - self.next) / PAGE_SIZE + self.free_count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mmu::testing::TestMmu;

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
}
