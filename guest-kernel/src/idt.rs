//! The IDT for the 32 exception vectors, and the assembly doors into and out of the kernel:
//! every exception and every system call builds the same `TrapFrame` on a kernel stack,
//! calls `kernel_entry`, and returns with IRETQ (SYSRETQ raises #GP under PVM). The kernel
//! is built without SSE and x87 code (see .cargo/config.toml), so the program's FPU/SSE
//! registers pass through the kernel untouched and need no saving.

use crate::cell::KernelCell;
use crate::gdt::{IST_DOUBLE_FAULT, IST_NMI_MCE, IST_OTHER, IST_PAGE_FAULT, KERNEL_CS};
use core::arch::{asm, global_asm};
use core::mem::size_of;

/// Registers of the interrupted context, in the order the entry code pushes them.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct TrapFrame {
    // The six system call arguments first and in ABI order, so that `syscall_args` can hand
    // the handlers a view into the frame instead of a copy: under PVM's emulation of the
    // kernel each memory access costs microseconds.
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub r10: u64,
    pub r8: u64,
    pub r9: u64,
    pub rax: u64,
    pub rbx: u64,
    pub rcx: u64,
    pub rbp: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    /// Exception vector, or `SYSCALL_VECTOR`.
    pub vector: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

impl TrapFrame {
    /// All registers zero (a thread slot before it is used).
    pub const ZERO: TrapFrame = TrapFrame {
        rdi: 0, rsi: 0, rdx: 0, r10: 0, r8: 0, r9: 0, rax: 0, rbx: 0, rcx: 0, rbp: 0, r11: 0, r12: 0, r13: 0,
        r14: 0, r15: 0, vector: 0, error_code: 0, rip: 0, cs: 0, rflags: 0, rsp: 0, ss: 0,
    };

    pub fn from_user(&self) -> bool {
        self.cs & 3 == 3
    }

    /// The system call arguments (RDI, RSI, RDX, R10, R8, R9), read in place.
    pub fn syscall_args(&self) -> &[u64; 6] {
        const _: () = assert!(core::mem::offset_of!(TrapFrame, r9) == 5 * 8);
        // SAFETY: the frame is repr(C) and starts with these six u64 fields in this order
        // (checked above), so they form a [u64; 6] that lives as long as `self`.
        unsafe { &*(&self.rdi as *const u64 as *const [u64; 6]) }
    }
}

/// What the lean system call path saves (see `page_fault_entry`), lowest address first: the
/// arguments, RAX, then the CPU's exception frame.
#[repr(C)]
pub struct LeanFrame {
    pub args: [u64; 6],
    pub rax: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

/// The `vector` of a frame built by the SYSCALL entry.
pub const SYSCALL_VECTOR: u64 = 0x100;

/// Each stub is padded to this many bytes, so stub `n` is at `trap_stubs + n * STUB_SIZE`.
const STUB_SIZE: u64 = 16;

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
    "call {entry}",
    "mov rsp, rbp",
    "pop rdi", "pop rsi", "pop rdx", "pop r10", "pop r8", "pop r9", "pop rax", "pop rbx",
    "pop rcx", "pop rbp", "pop r11", "pop r12", "pop r13", "pop r14", "pop r15",
    "add rsp, 16",
    "iretq",
    "",
    // Page faults. Under PVM (without its paravirtual interface) a user-mode SYSCALL arrives
    // here, as a fault on fetching the supervisor-only code at LSTAR (see trap.rs). That case
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
    "call {lean}",
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
    "call {user_fault}",
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
    entry = sym crate::trap::kernel_entry,
    lean = sym crate::syscall::dispatch_lean,
    syscall_vector = const SYSCALL_VECTOR,
    user_fault = sym crate::trap::user_page_fault,
);

unsafe extern "C" {
    #[link_name = "trap_stubs"]
    fn trap_stubs();
    #[link_name = "frame_common"]
    fn frame_common_symbol();
    #[link_name = "enter_user_frame"]
    fn enter_user_frame(frame: *const TrapFrame, fpu: *const FxArea) -> !;
}

/// An FXSAVE image.
#[repr(C, align(16))]
pub struct FxArea(pub [u8; 512]);

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

#[repr(C)]
#[derive(Clone, Copy)]
struct Gate {
    offset_low: u16,
    selector: u16,
    ist: u8,
    attributes: u8,
    offset_mid: u16,
    offset_high: u32,
    reserved: u32,
}

const EMPTY_GATE: Gate = Gate { offset_low: 0, selector: 0, ist: 0, attributes: 0, offset_mid: 0, offset_high: 0, reserved: 0 };

static IDT: KernelCell<[Gate; 32]> = KernelCell::new([EMPTY_GATE; 32]);

fn ist_for(vector: usize) -> u8 {
    match vector {
        14 => IST_PAGE_FAULT,
        8 => IST_DOUBLE_FAULT,
        2 | 18 => IST_NMI_MCE,
        _ => IST_OTHER,
    }
}

/// Fills and loads the IDT. Every gate uses an IST stack so an exception in kernel mode never
/// pushes onto the interrupted stack (whose red zone may hold live data).
pub fn init() {
    // SAFETY: boot runs once on the only vCPU; nothing else references the IDT yet.
    let idt = unsafe { IDT.get() };
    let base = trap_stubs as *const () as u64;
    for (vector, gate) in idt.iter_mut().enumerate() {
        let handler = base + vector as u64 * STUB_SIZE;
        // Interrupt gate (0xe), present; #BP and #OF may be raised by int3/into in ring 3.
        let dpl = if vector == 3 || vector == 4 { 3 } else { 0 };
        *gate = Gate {
            offset_low: handler as u16,
            selector: KERNEL_CS,
            ist: ist_for(vector),
            attributes: 0x8e | (dpl << 5),
            offset_mid: (handler >> 16) as u16,
            offset_high: (handler >> 32) as u32,
            reserved: 0,
        };
    }
    #[repr(C, packed)]
    struct Pointer {
        limit: u16,
        base: u64,
    }
    let pointer = Pointer { limit: (size_of::<[Gate; 32]>() - 1) as u16, base: IDT.as_ptr() as u64 };
    // SAFETY: the IDT lives in the kernel image for ever and every gate points at a stub.
    unsafe { asm!("lidt [{}]", in(reg) &pointer, options(nostack, preserves_flags)) };
}
