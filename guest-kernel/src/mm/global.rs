//! The program's memory as the kernel holds it: the one `Memory`, over the host's direct map of
//! guest RAM.

use crate::abi::host::{kva, PAGE_SIZE};
use crate::arch::cell::KernelCell;
use crate::arch::cpu;
use crate::mm::frame::FrameAllocator;
use crate::mm::memory::{Access, FaultOutcome, Memory};
use crate::mm::mmu::Mmu;
use crate::mm::paging::PageTables;

/// The host's direct map of guest RAM, as the memory manager's view of physical frames.
pub struct DirectMap;

/// Beyond this many pages one CR3 reload is cheaper than a run of INVLPGs (each traps
/// under PVM).
const INVLPG_LIMIT: u64 = 16;

impl Mmu for DirectMap {
    fn table(&mut self, pa: u64) -> &mut [u64; 512] {
        // SAFETY: frames handed to the memory manager are page-aligned GPAs inside guest RAM,
        // which the host maps at KERNEL_BASE; each is used as one thing at a time.
        unsafe { &mut *(kva(pa) as *mut [u64; 512]) }
    }

    fn bytes(&mut self, pa: u64) -> &mut [u8; PAGE_SIZE as usize] {
        // SAFETY: as for `table`.
        unsafe { &mut *(kva(pa) as *mut [u8; PAGE_SIZE as usize]) }
    }

    fn invalidate(&mut self, start: u64, end: u64) {
        if (end - start) / PAGE_SIZE > INVLPG_LIMIT {
            cpu::flush_tlb();
        } else {
            (start..end).step_by(PAGE_SIZE as usize).for_each(cpu::invlpg);
        }
    }
}

static MEMORY: KernelCell<Memory> = KernelCell::new(Memory::new(PageTables::new(0), FrameAllocator::new(0, 0)));

/// Runs `f` with the memory manager. Code inside must not touch user memory through user
/// addresses: a demand fault there would re-enter the memory manager.
pub fn with_memory<R>(f: impl FnOnce(&mut Memory, &mut DirectMap) -> R) -> R {
    // SAFETY: one vCPU, interrupts off; the only other user is the page-fault path, which
    // cannot run while `f` runs because `f` does not touch unmapped user memory.
    f(unsafe { MEMORY.get() }, &mut DirectMap)
}

/// Serves a page fault on a user address (called from the trap handler).
pub fn handle_fault(address: u64, access: Access) -> FaultOutcome {
    with_memory(|mem, mmu| mem.handle_fault(mmu, address, access))
}
