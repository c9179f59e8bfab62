//! The system-call door: under PVM, a page of user-mode code that SYSCALL jumps to, so that the
//! host serves the common forwarded calls without any emulated kernel instruction
//! (docs/guest-abi.md, "The system-call door").
//!
//! Under PVM (without its paravirtual interface) a user-mode SYSCALL does not enter ring 0: it
//! jumps to LSTAR in user mode (RCX = return RIP, R11 = RFLAGS). With LSTAR on the kernel's
//! supervisor-only entry that fetch faults and the page-fault entry treats it as the call
//! (entry.rs); every kernel instruction on that path is emulated, 1-3 us each. With LSTAR here,
//! the door runs natively in user mode: when the kernel lets it (`pass`, cleared while a signal
//! needs attention) and the call's bit is set in the host's bitmap, it rings the host with an
//! `out` the TSS's I/O bitmap lets ring 3 make (port `SYSCALL` only); the host reads the call
//! from the registers, serves it and resumes the program at RCX with the result in RAX. When
//! the host does not serve it, the host changes nothing and the door goes on to the kernel's
//! entry exactly as before (a fetch fault at `syscall_entry`), with every register as SYSCALL
//! left it. The door changes only RFLAGS, which R11 holds for the return.
//!
//! The page is the kernel's own frame, mapped read-only into each program (vdso.rs); the kernel
//! writes its data words through the direct map. Only `open`, `set_pass` and `set_umask` change it.

use super::cpu::{self, IA32_LSTAR};
use super::gdt;
use crate::abi::host::{port, DOOR_OUT_OFFSET, DOOR_UMASK_OFFSET, DOOR_VA, FAST_CALL_LIMIT};
use core::arch::global_asm;
use core::ptr::{addr_of, write_volatile};

/// Offsets of the data words in the page (checked by the assembler below).
const ENTRY_OFFSET: usize = 0x40;
const PASS_OFFSET: usize = 0x48;
const BITMAP_OFFSET: usize = 0x80;

global_asm!(
    // The section holds only this page; `.org` places each part at its offset from the page's
    // start and fails the build if the code before it grew past it.
    ".section .text.door, \"ax\"",
    ".balign 4096",
    ".global syscall_door",
    "syscall_door:",
    "cmp byte ptr [rip + 5f], 0",
    "je 2f",
    "cmp rax, {limit}",
    "jae 2f",
    "bt qword ptr [rip + 6f], rax",
    "jnc 2f",
    ".org {out}, 0x90",
    "out {port}, al",
    "2:",
    "jmp qword ptr [rip + 4f]",
    ".org {entry}, 0xcc",
    "4:", ".quad 0",
    ".org {pass}, 0",
    "5:", ".byte 0",
    ".org {umask}, 0",
    ".quad 0",
    ".org {bitmap}, 0",
    "6:", ".fill 64, 1, 0",
    ".org 4096, 0xcc",
    ".text",
    limit = const FAST_CALL_LIMIT,
    port = const port::SYSCALL,
    out = const DOOR_OUT_OFFSET,
    entry = const ENTRY_OFFSET,
    pass = const PASS_OFFSET,
    umask = const DOOR_UMASK_OFFSET,
    bitmap = const BITMAP_OFFSET,
);

unsafe extern "C" {
    #[link_name = "syscall_door"]
    static DOOR: [u8; 4096];
    #[link_name = "syscall_entry"]
    fn syscall_entry();
}

fn page() -> *mut u8 {
    addr_of!(DOOR) as *mut u8
}

/// The door page's kernel virtual address (the frame vdso.rs maps at `DOOR_VA`).
pub fn page_kva() -> u64 {
    page() as u64
}

static mut OPEN: bool = false;

/// Whether SYSCALL goes through the door.
pub fn is_open() -> bool {
    // SAFETY: one vCPU; a plain read.
    unsafe { OPEN }
}

/// Sends SYSCALL through the door from now on: fills the host's bitmap, the umask and the kernel's entry,
/// lets ring 3 use the door's port, and points LSTAR at `DOOR_VA`. `pass` says whether the
/// door may ring the host at once. Only under PVM: on hardware KVM SYSCALL enters ring 0 at
/// LSTAR, which must stay the kernel's entry.
pub fn open(fast_calls: &[u64; 8], pass: bool, umask: u64) {
    let page = page();
    // SAFETY: the door page lies in the kernel image, writable through the host's direct map;
    // no program runs while the kernel writes it (one vCPU). LSTAR's new value is the door,
    // which every program maps (vdso.rs) and which ends in the kernel's own entry.
    unsafe {
        for (i, word) in fast_calls.iter().enumerate() {
            write_volatile(page.add(BITMAP_OFFSET + 8 * i) as *mut u64, *word);
        }
        write_volatile(page.add(ENTRY_OFFSET) as *mut u64, syscall_entry as *const () as u64);
        write_volatile(page.add(PASS_OFFSET), pass as u8);
        write_volatile(page.add(DOOR_UMASK_OFFSET as usize) as *mut u64, umask);
        gdt::allow_user_port(port::SYSCALL);
        cpu::wrmsr(IA32_LSTAR, DOOR_VA);
        OPEN = true;
    }
}

/// Lets the door ring the host (true) or sends every call to the kernel (false: a signal needs
/// attention on the way back to user mode).
pub fn set_pass(pass: bool) {
    // SAFETY: as in `open`; a single byte the door reads.
    unsafe { write_volatile(page().add(PASS_OFFSET), pass as u8) };
}

/// Keeps the host's copy of the umask (`DOOR_UMASK_OFFSET`) equal to the process's.
pub fn set_umask(umask: u64) {
    // SAFETY: as in `open`; a word only the host reads.
    unsafe { write_volatile(page().add(DOOR_UMASK_OFFSET as usize) as *mut u64, umask) };
}

const _: () = assert!(
    DOOR_VA % 4096 == 0
        && DOOR_OUT_OFFSET < ENTRY_OFFSET as u64
        && PASS_OFFSET < DOOR_UMASK_OFFSET as usize
        && DOOR_UMASK_OFFSET as usize + 8 <= BITMAP_OFFSET
);
