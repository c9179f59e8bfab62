//! The assembly doors into and out of the kernel: every exception and every system call
//! builds the same `TrapFrame` on a kernel stack, calls `kernel_entry`, and returns with IRETQ
//! (SYSRETQ raises #GP under PVM). The kernel is built without SSE and x87 code (see
//! .cargo/config.toml), so the program's FPU/SSE registers pass through the kernel untouched
//! and need no saving.
//!
//! The code the doors lead to lies in the layers above, which this mechanism does not import:
//! the assembly calls it by link name, and each function is defined `#[unsafe(no_mangle)]`
//! where it belongs (a missing one fails the link):
//!
//! - `kernel_entry(frame: &mut TrapFrame)`, kernel/trap.rs: every exception, and system calls
//!   on the full path;
//! - `dispatch_lean(frame: &mut LeanFrame) -> bool`, syscalls/dispatch.rs: system calls on the
//!   lean path (true: hand the call to the full path);
//! - `user_page_fault(error_code: u64) -> bool`, kernel/trap.rs: a page fault from user mode
//!   before the full frame is saved (true: demand paging resolved it).
//!
//! These three calls are the only way the machine layer reaches up (docs/architecture.md).

use super::cell::KernelCell;
use super::cpu::{self, IA32_FMASK, IA32_LSTAR, IA32_STAR};
use super::trap_frame::{FxArea, TrapFrame, SYSCALL_VECTOR};
use super::gdt::{self, KERNEL_CS, USER32_CS, USER_CS, USER_DS};
use core::arch::global_asm;

/// Each stub is padded to this many bytes, so stub `n` is at `trap_stubs + n * STUB_SIZE`.
pub const STUB_SIZE: u64 = 16;

global_asm!(
    ".macro TRAP_STUB n, err",
    ".balign 16",
    ".if \\err == 0",
    "push 0",
    ".endif",
    "push \\n",
    "jmp {common}",
    ".endm",
    ".section .text",
    ".balign 16",
    ".global trap_stubs",
    "trap_stubs:",
    "TRAP_STUB 0, 0", "TRAP_STUB 1, 0", "TRAP_STUB 2, 0", "TRAP_STUB 3, 0",
    "TRAP_STUB 4, 0", "TRAP_STUB 5, 0", "TRAP_STUB 6, 0", "TRAP_STUB 7, 0",
    "TRAP_STUB 8, 1", "TRAP_STUB 9, 0", "TRAP_STUB 10, 1", "TRAP_STUB 11, 1",
    "TRAP_STUB 12, 1", "TRAP_STUB 13, 1",
    ".balign 16", "jmp page_fault_entry", // 14: see below
    "TRAP_STUB 15, 0",
    "TRAP_STUB 16, 0", "TRAP_STUB 17, 1", "TRAP_STUB 18, 0", "TRAP_STUB 19, 0",
    "TRAP_STUB 20, 0", "TRAP_STUB 21, 1", "TRAP_STUB 22, 0", "TRAP_STUB 23, 0",
    "TRAP_STUB 24, 0", "TRAP_STUB 25, 0", "TRAP_STUB 26, 0", "TRAP_STUB 27, 0",
    "TRAP_STUB 28, 0", "TRAP_STUB 29, 1", "TRAP_STUB 30, 1", "TRAP_STUB 31, 0",
    "",
    // The second argument says whether the CPU pushed an error code (vectors 8, 10-14, 17,
    // 21, 29, 30); the others push a zero so that every frame has the same shape.
    // Common path: save registers, call the kernel, restore, IRETQ.
    ".balign 16",
    ".global frame_common",
    "frame_common:",
    "push r15", "push r14", "push r13", "push r12", "push r11", "push rbp", "push rcx", "push rbx",
    "push rax", "push r9", "push r8", "push r10", "push rdx", "push rsi", "push rdi",
    "cld",
    "mov rdi, rsp",
    // Align the stack for the call (the frame is 8 mod 16 when an error code was pushed by
    // the CPU and the stub together, but keep it independent of that); RBP is callee-saved.
    "mov rbp, rsp",
    "and rsp, -16",
    "call kernel_entry",
    "mov rsp, rbp",
    "pop rdi", "pop rsi", "pop rdx", "pop r10", "pop r8", "pop r9", "pop rax", "pop rbx",
    "pop rcx", "pop rbp", "pop r11", "pop r12", "pop r13", "pop r14", "pop r15",
    "add rsp, 16",
    "iretq",
    "",
    // Page faults. Under PVM (without its paravirtual interface) a user-mode SYSCALL arrives
    // here, as a fault on fetching the supervisor-only code at LSTAR (see kernel/trap.rs). That case
    // takes a lean path: it saves only what the Rust code may clobber (the argument registers
    // and RAX; RCX and R11 are SYSCALL's return RIP and RFLAGS) and returns to RCX, because
    // PVM emulates every kernel instruction and each memory access costs microseconds.
    ".balign 16",
    ".global page_fault_entry",
    "page_fault_entry:",
    "push rax",
    "lea rax, [rip + syscall_entry]",
    "cmp rax, [rsp + 16]",
    "jne 2f",
    "mov [rsp + 16], rcx",
    "mov [rsp + 32], r11",
    "push r9", "push r8", "push r10", "push rdx", "push rsi", "push rdi",
    "cld",
    "mov rdi, rsp",
    // Seven pushes after the CPU's six words leave RSP 8 mod 16; the call needs 0 mod 16.
    "sub rsp, 8",
    "call dispatch_lean",
    "add rsp, 8",
    "test al, al",
    "jnz 4f",
    "pop rdi", "pop rsi", "pop rdx", "pop r10", "pop r8", "pop r9", "pop rax",
    "mov rcx, [rsp + 8]",
    "mov r11, [rsp + 24]",
    "add rsp, 8",
    "iretq",
    // A call that may create or switch threads (the lean dispatch did not run it): restore
    // the user's registers as SYSCALL left them and build the full frame over the CPU's
    // words (the error code slot stays, the stub's vector goes above it), as for any trap.
    "4:",
    "pop rdi", "pop rsi", "pop rdx", "pop r10", "pop r8", "pop r9", "pop rax",
    "mov rcx, [rsp + 8]",
    "mov r11, [rsp + 24]",
    "push {syscall_vector}",
    "jmp {common}",
    // A fault from user mode (error code bit 2) that demand paging resolves also returns at
    // once, having saved only the registers the Rust code may clobber.
    "2:",
    "test byte ptr [rsp + 8], 4",
    "jz 3f",
    "push rcx", "push rdx", "push rsi", "push rdi", "push r8", "push r9", "push r10", "push r11",
    "cld",
    "mov rdi, [rsp + 72]",
    // Nine pushes after the CPU's six words: RSP is 8 mod 16 again.
    "sub rsp, 8",
    "call user_page_fault",
    "add rsp, 8",
    "pop r11", "pop r10", "pop r9", "pop r8", "pop rdi", "pop rsi", "pop rdx", "pop rcx",
    "test al, al",
    "jz 3f",
    "pop rax",
    "add rsp, 8",
    "iretq",
    "3:",
    "pop rax",
    "push 14",
    "jmp {common}",
    "",
    // First entry to ring 3: RDI = frame, RSI = initial FXSAVE image.
    ".balign 16",
    ".global enter_user_frame",
    "enter_user_frame:",
    "mov rsp, rdi",
    "fxrstor64 [rsi]",
    "pop rdi", "pop rsi", "pop rdx", "pop r10", "pop r8", "pop r9", "pop rax", "pop rbx",
    "pop rcx", "pop rbp", "pop r11", "pop r12", "pop r13", "pop r14", "pop r15",
    "add rsp, 16",
    "iretq",
    common = sym frame_common_symbol,
    syscall_vector = const SYSCALL_VECTOR,
);

unsafe extern "C" {
    #[link_name = "trap_stubs"]
    pub(super) fn trap_stubs();
    #[link_name = "frame_common"]
    fn frame_common_symbol();
    #[link_name = "enter_user_frame"]
    fn enter_user_frame(frame: *const TrapFrame, fpu: *const FxArea) -> !;
}

/// Saved user RSP during the switch to the kernel stack, and the stack to switch to.
static USER_RSP: KernelCell<u64> = KernelCell::new(0);
static KERNEL_RSP: KernelCell<u64> = KernelCell::new(0);

global_asm!(
    ".section .text",
    ".balign 16",
    ".global syscall_entry",
    "syscall_entry:",
    // RCX = user RIP, R11 = user RFLAGS (IF, TF, DF, AC already masked by FMASK).
    "mov [rip + {user_rsp}], rsp",
    "mov rsp, [rip + {kernel_rsp}]",
    "push {user_ds}",
    "push qword ptr [rip + {user_rsp}]",
    "push r11",
    "push {user_cs}",
    "push rcx",
    "push 0",
    "push {vector}",
    "jmp frame_common",
    user_rsp = sym USER_RSP,
    kernel_rsp = sym KERNEL_RSP,
    user_ds = const USER_DS as u64,
    user_cs = const USER_CS as u64,
    vector = const SYSCALL_VECTOR,
);

unsafe extern "C" {
    #[link_name = "syscall_entry"]
    fn syscall_entry();
}

/// The system-call entry's address: a user-mode jump there enters the kernel as a SYSCALL from
/// that mode would (under PVM and on hardware alike, through the fetch fault `page_fault_entry`
/// recognises), which is how the host preempts a program (docs/guest-abi.md).
pub fn syscall_entry_address() -> u64 {
    syscall_entry as *const () as u64
}

/// Programs the SYSCALL MSRs.
pub fn init() {
    // SAFETY: boot, single vCPU: nothing else uses this cell yet.
    let kernel_rsp = unsafe { KERNEL_RSP.get() };
    *kernel_rsp = gdt::kernel_stack_top();
    // STAR: SYSCALL loads CS = 0x10, SS = 0x18; SYSRET (unused: it raises #GP under PVM)
    // would load CS = 0x23 + 16 = 0x33 and SS = 0x23 + 8 = 0x2b.
    let star = ((USER32_CS as u64) << 48) | ((KERNEL_CS as u64) << 32);
    // FMASK clears TF, IF, DF, IOPL, NT and AC on entry, as Linux does.
    const FMASK: u64 = 0x4_7700;
    // SAFETY: the selectors match the GDT loaded by gdt::init and LSTAR points at the entry
    // code above, which switches to the kernel stack before touching memory.
    unsafe {
        cpu::wrmsr(IA32_STAR, star);
        cpu::wrmsr(IA32_LSTAR, syscall_entry as *const () as u64);
        cpu::wrmsr(IA32_FMASK, FMASK);
    }
}

/// FPU state a new program starts with: FCW 0x37f (all exceptions masked), MXCSR 0x1f80.
static INITIAL_FPU: FxArea = {
    let mut image = [0u8; 512];
    image[0] = 0x7f;
    image[1] = 0x03;
    image[24] = 0x80;
    image[25] = 0x1f;
    FxArea(image)
};

/// The FPU state of a new program, which a signal handler also starts with.
pub fn initial_fpu() -> &'static FxArea {
    &INITIAL_FPU
}

/// Enters ring 3 with `frame` (which must describe a user context) and a clean FPU.
pub fn enter_user(frame: &TrapFrame) -> ! {
    // SAFETY: the frame holds user selectors (CPL 3) and a user RIP/RSP the kernel mapped;
    // the IRETQ in `enter_user_frame` leaves the kernel for good (the kernel stack is reset
    // by the next entry), and INITIAL_FPU is a valid FXSAVE image.
    unsafe { enter_user_frame(frame, &INITIAL_FPU) }
}

