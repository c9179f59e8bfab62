//! The hypercall page and the ports: how the kernel talks to the host (docs/guest-abi.md).

use crate::abi::host::{gpa, kva, port, HypercallPage};
use crate::arch::cpu;
use crate::host::forwarded::Forwarded;
use core::ptr::{addr_of_mut, write_volatile, read_volatile};

static mut PAGE_GPA: u64 = 0;

/// Records where this vCPU's hypercall page is (from the boot info, already validated).
pub fn init(page_gpa: u64) {
    // SAFETY: called once at boot on the only vCPU, before any hypercall.
    unsafe { PAGE_GPA = page_gpa };
}

fn page() -> *mut HypercallPage {
    // SAFETY: PAGE_GPA is written once at boot; reading a u64 copy is race-free on one vCPU.
    kva(unsafe { PAGE_GPA }) as *mut HypercallPage
}

/// Fills the page and rings `port`; returns the host's result.
fn ring(port: u16, value: u32, nr: u64, args: [u64; 6]) -> i64 {
    let page = page();
    // SAFETY: the page is a validated, page-aligned part of guest RAM reserved for hypercalls
    // and mapped by the direct map; volatile accesses because the host reads and writes it
    // during the `out`.
    unsafe {
        write_volatile(addr_of_mut!((*page).nr), nr);
        write_volatile(addr_of_mut!((*page).args), args);
        write_volatile(addr_of_mut!((*page).result), 0);
        cpu::out32(port, value);
        read_volatile(addr_of_mut!((*page).result))
    }
}

/// Runs Linux system call `call` on the host. Pointer arguments must be GPAs in the I/O buffer.
pub fn call(call: Forwarded, args: [u64; 6]) -> i64 {
    ring(port::HYPERCALL, 0, call.number(), args)
}

/// Ends the run with `status`, reporting the table of unimplemented calls and the run flags
/// (`abi::run_flags`).
pub fn exit(status: u8, enosys_table_kva: u64, entries: u64, flags: u64) -> ! {
    ring(port::EXIT, status as u32, flags, [gpa(enosys_table_kva), entries, 0, 0, 0, 0]);
    cpu::spin()
}

/// What the program did wrong, for the FAULT port.
pub struct FaultRecord {
    pub vector: u64,
    pub error_code: u64,
    pub rip: u64,
    pub address: u64,
    pub rsp: u64,
    pub user_mode: bool,
}

/// Ends the run as killed by `signal`, with the run flags (`abi::run_flags`).
pub fn fault(signal: u32, record: &FaultRecord, flags: u64) -> ! {
    let r = record;
    ring(port::FAULT, signal, flags, [r.vector, r.error_code, r.rip, r.address, r.rsp, r.user_mode as u64]);
    cpu::spin()
}

/// Sends one line of kernel log text (`text` must live in the kernel image or direct map).
pub fn log(text: &[u8]) {
    ring(port::LOG, 0, 0, [gpa(text.as_ptr() as u64), text.len() as u64, 0, 0, 0, 0]);
}

/// Ends the run as a kernel panic with `text`.
pub fn panic(text: &[u8]) -> ! {
    ring(port::PANIC, 0, 0, [gpa(text.as_ptr() as u64), text.len() as u64, 0, 0, 0, 0]);
    cpu::spin()
}
