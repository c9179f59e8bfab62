//! The way in from the entry code (arch/x86_64/entry.rs): `dispatch` on the full path, with the
//! whole register frame, and `dispatch_lean` on the lean one.

use crate::abi::errno::{ENOSYS, ERESTARTSYS};
use crate::abi::host::PREEMPT_CALL;
use crate::abi::nr;
use crate::arch::cell::KernelCell;
use crate::arch::door;
use crate::host::{boot_info, hypercall};
use crate::arch::trap_frame::{LeanFrame, TrapFrame};
use crate::host::exit::record_enosys;
use crate::proc::process::with_process;
use crate::proc::{futex, signal, task};
use crate::syscalls::Args;
use crate::syscalls::table::{lookup, FULL_FRAME, MAY_PARK, POSITION, SYSCALLS};

/// Runs the system call described by `frame` and puts the result in its RAX; after a
/// switching call, `frame` may hold another thread's registers. On the way out a pending
/// signal may turn `frame` into a call of its handler (proc/signal.rs), and a call parked until
/// its fd was ready (`task::park_unless_ready`) is made again.
pub fn dispatch(frame: &mut TrapFrame) {
    // SAFETY: one vCPU, interrupts off; only `caller_rsp` reads the cell.
    unsafe { *CALLER_RSP.get() = frame.rsp };
    if frame.rax == PREEMPT_CALL {
        if let Some((rax, rcx, r11)) = hypercall::take_preempted() {
            // The host stopped the program between two instructions: nothing to serve, its
            // registers go back as they were, and other threads (or a signal) go first.
            (frame.rax, frame.rcx, frame.r11) = (rax, rcx, r11);
            task::preempt(frame);
            if signal::attention() {
                signal::deliver(frame);
            }
            task::end_parked_call(frame, true);
            return;
        }
    }
    // rt_sigreturn restores registers the program chose: its RAX is no restart marker.
    let returning_call = frame.rax != nr::RT_SIGRETURN;
    if returning_call {
        let number = frame.rax;
        let entry = lookup(number);
        let result = serve(entry, number, frame.syscall_args());
        if result == -ERESTARTSYS {
            task::note_restart(number);
        }
        frame.rax = result as u64;
        if entry & (FULL_FRAME | MAY_PARK) != 0 {
            task::after_call(frame);
        }
    } else {
        signal::sigreturn(frame);
    }
    if signal::attention() {
        signal::deliver(frame);
    }
    if returning_call {
        task::end_parked_call(frame, true);
    }
}

/// The user stack pointer of the call being served on the full path (sigaltstack's SS_ONSTACK).
static CALLER_RSP: KernelCell<u64> = KernelCell::new(0);

pub fn caller_rsp() -> u64 {
    // SAFETY: see `dispatch`.
    unsafe { *CALLER_RSP.as_ptr() }
}

/// Runs the system call saved by the lean path of the entry code: a user-mode SYSCALL that
/// arrived as a page fault at LSTAR under PVM. Returns true, without running it, for a call
/// that needs the full frame: the entry code then saves it and goes to `dispatch`.
#[unsafe(no_mangle)]
pub extern "C" fn dispatch_lean(frame: &mut LeanFrame) -> bool {
    // Only under PVM does a system call arrive here: from now on SYSCALL goes through the door
    // (arch/x86_64/door.rs), which lets the host serve the fast calls on its own.
    if !door::is_open() {
        door::open(&boot_info::get().fast_calls, !signal::attention(), with_process(|p| p.umask));
    }
    if frame.rax == PREEMPT_CALL {
        return true;
    }
    let entry = lookup(frame.rax);
    if entry & FULL_FRAME != 0 && !(frame.rax == nr::FUTEX && futex::never_blocks(frame.args[1])) {
        return true;
    }
    if entry & MAY_PARK != 0 && task::may_park() {
        return true;
    }
    // Signals are delivered on the full path only.
    if signal::attention() {
        return true;
    }
    frame.rax = serve(entry, frame.rax, &frame.args) as u64;
    false
}

/// Runs system call `number` (its index entry) and returns its result (a value or `-errno`).
fn serve(entry: u16, number: u64, args: &Args) -> i64 {
    let position = entry & POSITION;
    if position == 0 {
        record_enosys(number);
        -ENOSYS
    } else {
        (SYSCALLS[position as usize - 1].handler)(args)
    }
}
