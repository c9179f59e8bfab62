//! The hypercall page and the ports: how the kernel talks to the host (docs/guest-abi.md).

use crate::abi::errno::EFAULT;
use crate::abi::host::{gpa, kva, port, HypercallPage, USER_FAULT};
use crate::arch::cell::KernelCell;
use crate::arch::cpu;
use crate::host::forwarded::Forwarded;
use crate::mm::user;
use core::ptr::{addr_of_mut, write_volatile, read_volatile};

static mut PAGE_GPA: u64 = 0;

/// Records where this vCPU's hypercall page is (from the boot info, already validated).
pub fn init(page_gpa: u64) {
    // SAFETY: called once at boot on the only vCPU, before any hypercall.
    unsafe { PAGE_GPA = page_gpa };
}

/// Tells the host where the kernel's clock is (the `clock` word of the hypercall page), so that
/// a warm start's clone can have its calibration moved on to the clone's TSC.
pub fn publish_clock(clock_gpa: u64) {
    // SAFETY: as in `ring`: the validated hypercall page; the host only reads this word.
    unsafe { write_volatile(addr_of_mut!((*page()).clock), clock_gpa) };
}

/// Tells the host where a program it preempts enters the kernel (`HypercallPage`).
pub fn publish_preempt_entry(entry: u64) {
    // SAFETY: as in `ring`: the validated hypercall page; the host only reads this word.
    unsafe { write_volatile(addr_of_mut!((*page()).preempt_entry), entry) };
}

/// Whether the host was last asked to preempt the program (`port::PREEMPT`).
static PREEMPTION_ASKED: KernelCell<bool> = KernelCell::new(false);

/// Asks the host to preempt the program every time slice, or to stop; an exit only when that
/// changes.
pub fn ask_preemption(wanted: bool) {
    // SAFETY: one vCPU, interrupts off; only this function touches the cell.
    let asked = unsafe { PREEMPTION_ASKED.get() };
    if *asked != wanted {
        *asked = wanted;
        // SAFETY: the PREEMPT port takes only its value; the host reads nothing else.
        unsafe { cpu::out32(port::PREEMPT, wanted as u32) };
    }
}

/// The program's RAX, RCX and R11 when the host preempted it and this entry is that
/// preemption (`HypercallPage`): the entry's own RAX, RCX and R11 are the host's redirection.
pub fn take_preempted() -> Option<(u64, u64, u64)> {
    let page = page();
    // SAFETY: as in `ring`: the validated hypercall page, which the host wrote before this
    // entry and does not touch while the kernel runs.
    unsafe {
        if read_volatile(addr_of_mut!((*page).preempted)) == 0 {
            return None;
        }
        write_volatile(addr_of_mut!((*page).preempted), 0);
        Some((
            read_volatile(addr_of_mut!((*page).preempted_rax)),
            read_volatile(addr_of_mut!((*page).preempted_rcx)),
            read_volatile(addr_of_mut!((*page).preempted_r11)),
        ))
    }
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

/// Runs Linux system call `call` on the host. Pointer arguments are GPAs (the I/O buffer, or
/// frames the kernel fills for itself).
pub fn call(call: Forwarded, args: [u64; 6]) -> i64 {
    set_cr3(0);
    ring(port::HYPERCALL, 0, call.number(), args)
}

/// Runs `call` on the host with the program's own addresses in `args`: the host walks the
/// program's page tables (CR3 in the page) and reads and writes its pages itself
/// (docs/guest-abi.md, "User addresses"). When the host answers `USER_FAULT`, a page of the
/// range it names is not mapped as the access needs: if the program's areas allow the access,
/// the range is mapped now (demand paging) and the call asked again; if not, EFAULT. A range
/// the host names twice would loop, so that is EFAULT too.
pub fn call_user(call: Forwarded, args: [u64; 6]) -> i64 {
    let cr3 = cpu::read_cr3();
    let mut last_fault = None;
    loop {
        // Set for every ring: mapping the range may itself call the host with guest-physical
        // addresses (a shared file mapping's pages are read from the file when first touched).
        set_cr3(cr3);
        let result = ring(port::HYPERCALL, 0, call.number(), args);
        if result as u64 != USER_FAULT {
            return result;
        }
        let page = page();
        // SAFETY: as in `ring`: the validated hypercall page, read after the host answered.
        let fault = unsafe {
            (
                read_volatile(addr_of_mut!((*page).fault_address)),
                read_volatile(addr_of_mut!((*page).fault_length)),
                read_volatile(addr_of_mut!((*page).fault_write)) != 0,
            )
        };
        if last_fault == Some(fault) {
            return -EFAULT;
        }
        let (address, length, write) = fault;
        if let Err(errno) = user::prepare(address, length, write) {
            return -errno;
        }
        last_fault = Some(fault);
    }
}

fn set_cr3(cr3: u64) {
    // SAFETY: as in `ring`: the validated hypercall page, which the host reads during the `out`.
    unsafe { write_volatile(addr_of_mut!((*page()).cr3), cr3) };
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
