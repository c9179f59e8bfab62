//! How the run ends: the EXIT report carries the status, the counts of unimplemented system
//! calls and the run flags; a fault report carries the run flags too.

use crate::abi::host::run_flags::MEMORY_LIMIT_REACHED;
use crate::arch::cell::KernelCell;
use crate::host::enosys::EnosysTable;
use crate::host::file_mappings;
use crate::host::hypercall;
use crate::mm::global::with_memory;

static ENOSYS: KernelCell<EnosysTable> = KernelCell::new(EnosysTable::new());

/// Counts an unimplemented system call.
pub fn record_enosys(nr: u64) {
    // SAFETY: one vCPU, interrupts off; nothing else holds the table.
    unsafe { ENOSYS.get() }.record(nr);
}

/// Ends the run with `status`, handing the host the ENOSYS counts and the run flags.
pub fn exit(status: u64) -> ! {
    file_mappings::write_back_all();
    // SAFETY: see `record_enosys`.
    let table = unsafe { ENOSYS.get() }.entries();
    hypercall::exit(status as u8, table.as_ptr() as u64, table.len() as u64, run_flags())
}

/// What the host learns at exit or fault besides the status (`abi::host::run_flags`).
pub fn run_flags() -> u64 {
    let memory = with_memory(|mem, _| mem.memory_limit_reached);
    if memory { MEMORY_LIMIT_REACHED } else { 0 }
}
