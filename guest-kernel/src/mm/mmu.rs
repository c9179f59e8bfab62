//! The seam between the memory-management logic and the machine: access to physical frames
//! and TLB invalidation. The kernel implements it over the host's direct map; the unit tests
//! implement it over a vector of pages.

use crate::abi::host::PAGE_SIZE;

/// Physical frames and the TLB, as the page-table and frame logic see them.
pub trait Mmu {
    /// The frame at guest-physical address `pa` (page aligned) as a page-table.
    fn table(&mut self, pa: u64) -> &mut [u64; 512];

    /// The frame at guest-physical address `pa` (page aligned) as bytes.
    fn bytes(&mut self, pa: u64) -> &mut [u8; PAGE_SIZE as usize];

    /// Drops stale translations for `[start, end)` after entries there changed or vanished.
    fn invalidate(&mut self, start: u64, end: u64);
}

#[cfg(test)]
pub mod testing {
    use super::*;

    #[repr(C, align(4096))]
    #[derive(Clone)]
    struct Page([u64; 512]);

    /// Guest RAM for the unit tests: `pages` frames starting at GPA 0, plus a log of flushes.
    pub struct TestMmu {
        pages: Vec<Page>,
        pub invalidations: Vec<(u64, u64)>,
    }

    impl TestMmu {
        pub fn new(pages: usize) -> Self {
            TestMmu { pages: vec![Page([0; 512]); pages], invalidations: Vec::new() }
        }
    }

    impl Mmu for TestMmu {
        fn table(&mut self, pa: u64) -> &mut [u64; 512] {
            &mut self.pages[(pa / PAGE_SIZE) as usize].0
        }

        fn bytes(&mut self, pa: u64) -> &mut [u8; PAGE_SIZE as usize] {
            let table = &mut self.pages[(pa / PAGE_SIZE) as usize].0;
            // SAFETY: [u64; 512] and [u8; 4096] have the same size and u8 needs no alignment.
            unsafe { &mut *(table as *mut [u64; 512] as *mut [u8; PAGE_SIZE as usize]) }
        }

        fn invalidate(&mut self, start: u64, end: u64) {
            self.invalidations.push((start, end));
        }
    }
}
