//! Constants of the host <-> guest ABI (docs/guest-abi.md). Change them only together with
//! the document and the host (`GuestAbi`, `AbiVersion` and `BootInfo` in nanvix-guest-loader,
//! which `KernelAbiTest` there compares with this file), and bump `ABI_VERSION`. Write each
//! constant as a literal: the test reads them as text.

/// Version of the contract; the host passes it in RSI and in the boot info.
pub const ABI_VERSION: u64 = 6;

/// KVA of guest-physical address 0: all guest RAM is mapped here (PML4 slot 255).
pub const KERNEL_BASE: u64 = 0x0000_7f80_0000_0000;

/// User mappings lie in `[USER_BOTTOM, USER_TOP)` (PML4 slots 0..253).
pub const USER_TOP: u64 = 0x0000_7f00_0000_0000;
pub const USER_BOTTOM: u64 = 0x1000;

pub const PAGE_SIZE: u64 = 4096;

/// The system-call door (arch/x86_64/door.rs): one page of the kernel's, mapped read-only and
/// executable at the top of every program's address space, above what a program may map
/// (`[USER_BOTTOM, DOOR_VA)`). Under PVM, LSTAR points here once the kernel has seen a
/// system call arrive as a page fault: the program's SYSCALL then runs the door in user mode,
/// whose `out` at `DOOR_VA + DOOR_OUT_OFFSET` (`out imm8, al` to port `port::SYSCALL`; RAX holds the call number)
/// asks the host to serve the call from the program's registers.
pub const DOOR_VA: u64 = 0x0000_7eff_ffff_f000;
pub const DOOR_OUT_OFFSET: u64 = 0x20;
/// The door page's copy of the process's umask (a u64 the kernel keeps equal to it), which the
/// host reads through the program's page tables to serve `openat(O_CREAT)` and `mkdirat` itself.
pub const DOOR_UMASK_OFFSET: u64 = 0x50;
/// Calls numbered below this may be fast; the boot info's `fast_calls` has a bit for each.
pub const FAST_CALL_LIMIT: u64 = 512;

/// "NVXBOOT1", the first field of the boot info.
pub const BOOT_MAGIC: u64 = 0x3154_4f4f_4258_564e;

/// Where the host leaves the boot info (`abi::boot::BootInfo`).
pub const BOOT_INFO_GPA: u64 = 0x1000;
/// The first vCPU's hypercall page, fixed so that it serves a panic before the boot info is read.
pub const HYPERCALL_PAGE_GPA: u64 = 0x2000;

/// The hypercall page: `nr`, six arguments, the host's result; `cr3`, 0 when the pointer
/// arguments are guest-physical addresses, else the page-table root under which they are the
/// program's own addresses; and, when the result is `USER_FAULT`, the range of the program's
/// memory the host could not access (`fault_write` 1 for a write); `clock`, written by the
/// kernel once at boot: the GPA of its clock (the vvar page), which the host moves on in a warm
/// start's clone (docs/guest-abi.md, "Clocks in clones"). Preemption (ABI version 6,
/// docs/guest-abi.md, "Threads and waits on the host"): `preempt_entry`, written by the kernel
/// once at boot, is where the host sends a program it preempts (the kernel's SYSCALL entry,
/// with RAX = `PREEMPT_CALL`, RCX = the program's RIP and R11 its RFLAGS); the host then puts
/// the program's own RAX, RCX and R11 in `preempted_rax`, `preempted_rcx`, `preempted_r11` and
/// sets `preempted` to 1, which the kernel clears when it takes them.
#[repr(C)]
pub struct HypercallPage {
    pub nr: u64,
    pub args: [u64; HYPERCALL_ARG_COUNT],
    pub result: i64,
    pub cr3: u64,
    pub fault_address: u64,
    pub fault_length: u64,
    pub fault_write: u64,
    pub clock: u64,
    pub preempt_entry: u64,
    pub preempted: u64,
    pub preempted_rax: u64,
    pub preempted_rcx: u64,
    pub preempted_r11: u64,
}

pub const HYPERCALL_NR_OFFSET: usize = 0;
pub const HYPERCALL_ARGS_OFFSET: usize = 8;
pub const HYPERCALL_ARG_COUNT: usize = 6;
pub const HYPERCALL_RESULT_OFFSET: usize = 56;
pub const HYPERCALL_CR3_OFFSET: usize = 64;
pub const HYPERCALL_FAULT_ADDRESS_OFFSET: usize = 72;
pub const HYPERCALL_FAULT_LENGTH_OFFSET: usize = 80;
pub const HYPERCALL_FAULT_WRITE_OFFSET: usize = 88;
pub const HYPERCALL_CLOCK_OFFSET: usize = 96;
pub const HYPERCALL_PREEMPT_ENTRY_OFFSET: usize = 104;
pub const HYPERCALL_PREEMPTED_OFFSET: usize = 112;
pub const HYPERCALL_PREEMPTED_RAX_OFFSET: usize = 120;
pub const HYPERCALL_PREEMPTED_RCX_OFFSET: usize = 128;
pub const HYPERCALL_PREEMPTED_R11_OFFSET: usize = 136;

/// RAX of a program the host preempted, as it enters the kernel (`HypercallPage`): no Linux
/// call has this number, and the kernel counts it as one only while `preempted` is set.
pub const PREEMPT_CALL: u64 = 0x7072_6565_6d70;

/// The result (as u64) of a call with user addresses whose arguments the program's page tables
/// do not let the host access: the call has not run; the fault fields name the range.
pub const USER_FAULT: u64 = 0x8000_0000_0000_0000;

const _: () = {
    use core::mem::offset_of;
    assert!(offset_of!(HypercallPage, nr) == HYPERCALL_NR_OFFSET);
    assert!(offset_of!(HypercallPage, args) == HYPERCALL_ARGS_OFFSET);
    assert!(offset_of!(HypercallPage, result) == HYPERCALL_RESULT_OFFSET);
    assert!(offset_of!(HypercallPage, cr3) == HYPERCALL_CR3_OFFSET);
    assert!(offset_of!(HypercallPage, fault_address) == HYPERCALL_FAULT_ADDRESS_OFFSET);
    assert!(offset_of!(HypercallPage, fault_length) == HYPERCALL_FAULT_LENGTH_OFFSET);
    assert!(offset_of!(HypercallPage, fault_write) == HYPERCALL_FAULT_WRITE_OFFSET);
    assert!(offset_of!(HypercallPage, clock) == HYPERCALL_CLOCK_OFFSET);
    assert!(offset_of!(HypercallPage, preempt_entry) == HYPERCALL_PREEMPT_ENTRY_OFFSET);
    assert!(offset_of!(HypercallPage, preempted) == HYPERCALL_PREEMPTED_OFFSET);
    assert!(offset_of!(HypercallPage, preempted_rax) == HYPERCALL_PREEMPTED_RAX_OFFSET);
    assert!(offset_of!(HypercallPage, preempted_rcx) == HYPERCALL_PREEMPTED_RCX_OFFSET);
    assert!(offset_of!(HypercallPage, preempted_r11) == HYPERCALL_PREEMPTED_R11_OFFSET);
};

/// Ports the kernel writes to with `out dx, eax` after filling its hypercall page.
pub mod port {
    pub const HYPERCALL: u16 = 0x6e0;
    pub const EXIT: u16 = 0x6e1;
    pub const FAULT: u16 = 0x6e2;
    pub const LOG: u16 = 0x6e3;
    pub const PANIC: u16 = 0x6e4;
    /// Value 1: more than one thread could run (or an alarm is armed), so the host should
    /// preempt the program every time slice; 0: it need not.
    pub const PREEMPT: u16 = 0x6e5;
    /// The door's `out imm8, al` from user mode (an 8-bit port: the door may not touch DX).
    pub const SYSCALL: u16 = 0x6e;
}

/// Bits of the `nr` word the kernel passes with EXIT and FAULT: what the host should know about
/// how the run went.
pub mod run_flags {
    /// A request of the program was refused for lack of free frames (ENOMEM or an
    /// out-of-memory kill): the run reached its memory limit.
    pub const MEMORY_LIMIT_REACHED: u64 = 1;
}

/// Bits of the boot info's `flags`.
pub mod boot_flags {
    /// A warm start's template: after loading the program (and its interpreter), the kernel
    /// reads the start message (`abi::start`) from the host and builds the stack from it instead
    /// of from the strings block, the random bytes and the time of the boot info.
    pub const START_MESSAGE: u64 = 1;
}

/// The kernel virtual address of a guest-physical address (through the host's direct map).
pub const fn kva(gpa: u64) -> u64 {
    KERNEL_BASE + gpa
}

/// The guest-physical address of a kernel virtual address inside the direct map.
pub const fn gpa(kva: u64) -> u64 {
    kva - KERNEL_BASE
}
