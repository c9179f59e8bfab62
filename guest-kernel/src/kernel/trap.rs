//! Exceptions: demand paging for page faults on mapped areas; everything else the program
//! causes raises the Linux signal it would get, which runs the program's handler or ends the
//! run; anything else in the kernel is a panic.

use crate::abi::host::{PAGE_SIZE, USER_TOP};
use crate::abi::linux::SIGKILL;
use crate::arch::cpu;
use crate::arch::exception::{
    decode_int, int_from_user, signal_for, Decoded, INVALID_OPCODE, MAX_INSTRUCTION, PAGE_FAULT, PF_INSTRUCTION,
    PF_WRITE,
};
use crate::arch::trap_frame::{TrapFrame, SYSCALL_VECTOR};
use crate::host::exit::run_flags;
use crate::host::hypercall::{self, FaultRecord};
use crate::mm::global::handle_fault;
use crate::mm::memory::{Access, FaultOutcome};
use crate::mm::user;
use crate::proc::signal;
use crate::syscalls::dispatch::dispatch;

/// Called by the entry code for every exception and system call, on a kernel stack. (Under
/// PVM without its paravirtual interface, SYSCALL jumps to LSTAR without leaving user mode, so
/// fetching the supervisor-only entry code faults; `page_fault_entry` (entry.rs) recognises that
/// fault and runs the system call itself, with RCX and R11 as SYSCALL left them.)
#[unsafe(no_mangle)]
pub extern "C" fn kernel_entry(frame: &mut TrapFrame) {
    if frame.vector == SYSCALL_VECTOR {
        dispatch(frame);
        return;
    }
    if frame.vector == PAGE_FAULT && handle_page_fault(frame) {
        return;
    }
    if frame.vector == INVALID_OPCODE && frame.from_user() {
        int_as_hardware_raises_it(frame);
    }
    let (signal, address) = (signal_for(frame.vector), if frame.vector == PAGE_FAULT { cpu::read_cr2() } else { 0 });
    // A program that catches the signal gets its handler instead (proc/signal.rs).
    if frame.from_user() && signal::deliver_fault(frame, signal as u64, address) {
        return;
    }
    fatal(frame, signal, address);
}

/// Under PVM an `int N` in user mode (N other than 3 and 4: `int 0x80` too) reaches the kernel
/// as #UD at the instruction, where hardware raises #GP(N * 8 + 2) (arch/x86_64/exception.rs
/// says why). If the instruction at RIP is an `int N`, the frame becomes what hardware would
/// have delivered, so the program gets the signal, trap number and error code Linux gives. On
/// hardware KVM a #UD never points at an `int N` other than a LOCKed one, which stays #UD.
/// Only on #UD from user mode, which ends the program or runs its SIGILL handler: rare, and
/// at most two reads of the program's code.
fn int_as_hardware_raises_it(frame: &mut TrapFrame) {
    let mut code = [0u8; MAX_INSTRUCTION];
    // The bytes up to the end of RIP's page, and those after it only when the instruction
    // goes on there (the CPU fetched them, so that page is mapped).
    let on_this_page = ((PAGE_SIZE - frame.rip % PAGE_SIZE) as usize).min(MAX_INSTRUCTION);
    let mut decoded = Decoded::Incomplete;
    for len in [on_this_page, MAX_INSTRUCTION] {
        if decoded != Decoded::Incomplete || user::copy_in(code.as_mut_ptr(), frame.rip, len).is_err() {
            break;
        }
        decoded = decode_int(&code[..len]);
    }
    if let Decoded::Int { vector, length } = decoded {
        let raised = int_from_user(vector, length);
        frame.vector = raised.vector;
        frame.error_code = raised.error_code;
        frame.rip += raised.advance;
    }
}

/// Serves a demand fault; false when the fault is the program's (or the kernel's) error.
fn handle_page_fault(frame: &TrapFrame) -> bool {
    let address = cpu::read_cr2();
    match resolve(address, frame.error_code) {
        FaultOutcome::Resolved => true,
        FaultOutcome::Violation => false,
        FaultOutcome::OutOfMemory => {
            fatal(frame, SIGKILL as u32, address);
        }
    }
}

/// Called by `page_fault_entry` (entry.rs) for a page fault from user mode before the full frame is
/// saved: true when demand paging resolved it, the common case, which then returns at once.
/// Otherwise the fault goes on to `kernel_entry`, which tries again (nothing changed) and
/// reports it with the full frame.
#[unsafe(no_mangle)]
pub extern "C" fn user_page_fault(error_code: u64) -> bool {
    resolve(cpu::read_cr2(), error_code) == FaultOutcome::Resolved
}

fn resolve(address: u64, error_code: u64) -> FaultOutcome {
    if address >= USER_TOP {
        return FaultOutcome::Violation;
    }
    let access = if error_code & PF_INSTRUCTION != 0 {
        Access::Execute
    } else if error_code & PF_WRITE != 0 {
        Access::Write
    } else {
        Access::Read
    };
    handle_fault(address, access)
}

/// Ends the run: a user-mode fault goes to the FAULT port, a kernel-mode one is a panic.
fn fatal(frame: &TrapFrame, signal: u32, address: u64) -> ! {
    let record = FaultRecord {
        vector: frame.vector,
        error_code: frame.error_code,
        rip: frame.rip,
        address,
        rsp: frame.rsp,
        user_mode: frame.from_user(),
    };
    if frame.from_user() || signal as u64 == SIGKILL {
        // The process ends: its shared file mappings reach their files, as on Linux.
        crate::host::file_mappings::write_back_all();
        hypercall::fault(signal, &record, run_flags());
    }
    panic!(
        "kernel exception {} (error {:#x}) at rip {:#x}, address {:#x}, rsp {:#x}",
        frame.vector, frame.error_code, frame.rip, address, frame.rsp
    );
}
