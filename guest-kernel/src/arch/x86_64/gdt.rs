//! The kernel's GDT (Linux selector layout) and TSS (kernel stack for ring 3 -> 0
//! transitions, IST stacks so that exceptions never land on the interrupted stack and the
//! red zone stays intact).

use super::cell::KernelCell;
use core::arch::asm;
use core::mem::size_of;

pub const KERNEL_CS: u16 = 0x10;
pub const KERNEL_DS: u16 = 0x18;
pub const USER32_CS: u16 = 0x23;
pub const USER_DS: u16 = 0x2b;
pub const USER_CS: u16 = 0x33;
pub const TSS_SELECTOR: u16 = 0x40;

/// IST slots (1-based, as in the IDT gate).
pub const IST_PAGE_FAULT: u8 = 1;
pub const IST_DOUBLE_FAULT: u8 = 2;
pub const IST_NMI_MCE: u8 = 3;
pub const IST_OTHER: u8 = 4;

#[repr(C, packed(4))]
struct Tss {
    reserved0: u32,
    rsp: [u64; 3],
    reserved1: u64,
    ist: [u64; 7],
    reserved2: u64,
    reserved3: u16,
    iomap_base: u16,
    /// I/O permission bitmap for ports 0..=127 (a set bit denies ring 3), and the byte of ones
    /// the CPU requires after it.
    iomap: [u8; IOMAP_BYTES + 1],
}

/// Ports the bitmap covers: 0..=127; every port above it is denied by the TSS limit.
const IOMAP_BYTES: usize = 16;
const TSS_HARDWARE_SIZE: usize = 104;

const _: () = assert!(size_of::<Tss>() == TSS_HARDWARE_SIZE + IOMAP_BYTES + 1 + 3);

#[repr(C, align(16))]
pub struct Stack<const N: usize>([u8; N]);

impl<const N: usize> Stack<N> {
    fn top(cell: &KernelCell<Self>) -> u64 {
        cell.as_ptr() as u64 + N as u64
    }
}

pub const KERNEL_STACK_SIZE: usize = 64 * 1024;
/// Kernel stack for boot, system calls and anything entering from ring 3 without an IST.
pub static KERNEL_STACK: KernelCell<Stack<KERNEL_STACK_SIZE>> = KernelCell::new(Stack([0; KERNEL_STACK_SIZE]));
static PAGE_FAULT_STACK: KernelCell<Stack<{ 32 * 1024 }>> = KernelCell::new(Stack([0; 32 * 1024]));
static DOUBLE_FAULT_STACK: KernelCell<Stack<{ 16 * 1024 }>> = KernelCell::new(Stack([0; 16 * 1024]));
static NMI_STACK: KernelCell<Stack<{ 8 * 1024 }>> = KernelCell::new(Stack([0; 8 * 1024]));
static OTHER_STACK: KernelCell<Stack<{ 32 * 1024 }>> = KernelCell::new(Stack([0; 32 * 1024]));

static TSS: KernelCell<Tss> = KernelCell::new(Tss {
    reserved0: 0,
    rsp: [0; 3],
    reserved1: 0,
    ist: [0; 7],
    reserved2: 0,
    reserved3: 0,
    // Every port denied in ring 3 until `allow_user_port`.
    iomap_base: TSS_HARDWARE_SIZE as u16,
    iomap: [0xff; IOMAP_BYTES + 1],
});

static GDT: KernelCell<[u64; 10]> = KernelCell::new([
    0,
    0,
    0x00af_9a00_0000_ffff, // 0x10 kernel code, 64-bit
    0x00cf_9200_0000_ffff, // 0x18 kernel data
    0x00cf_fa00_0000_ffff, // 0x23 user code, 32-bit
    0x00cf_f200_0000_ffff, // 0x2b user data
    0x00af_fa00_0000_ffff, // 0x33 user code, 64-bit
    0,
    0, // 0x40 TSS (two slots), filled at boot
    0,
]);

/// Lets ring 3 use I/O port `port` (at most 127): the system-call door's (door.rs).
pub fn allow_user_port(port: u16) {
    assert!((port as usize) < IOMAP_BYTES * 8);
    // SAFETY: one vCPU; the CPU reads the bitmap only at a ring-3 `in`/`out`.
    let tss = unsafe { TSS.get() };
    tss.iomap[port as usize / 8] &= !(1 << (port % 8));
}

/// Top of the kernel stack, which `_start` switches to and system calls run on.
pub fn kernel_stack_top() -> u64 {
    Stack::top(&KERNEL_STACK)
}

#[repr(C, packed)]
struct Pointer {
    limit: u16,
    base: u64,
}

/// Loads the GDT, reloads every segment register and the task register.
pub fn init() {
    // SAFETY: boot runs once on the only vCPU; nothing else references TSS or GDT yet.
    let (tss, gdt) = unsafe { (TSS.get(), GDT.get()) };
    tss.rsp[0] = kernel_stack_top();
    tss.ist[IST_PAGE_FAULT as usize - 1] = Stack::top(&PAGE_FAULT_STACK);
    tss.ist[IST_DOUBLE_FAULT as usize - 1] = Stack::top(&DOUBLE_FAULT_STACK);
    tss.ist[IST_NMI_MCE as usize - 1] = Stack::top(&NMI_STACK);
    tss.ist[IST_OTHER as usize - 1] = Stack::top(&OTHER_STACK);
    let base = TSS.as_ptr() as u64;
    let limit = (TSS_HARDWARE_SIZE + IOMAP_BYTES + 1 - 1) as u64;
    // Available 64-bit TSS (type 9), present, DPL 0.
    gdt[8] = limit | ((base & 0xff_ffff) << 16) | (0x89 << 40) | (((base >> 24) & 0xff) << 56);
    gdt[9] = base >> 32;
    let pointer = Pointer { limit: (size_of::<[u64; 10]>() - 1) as u16, base: GDT.as_ptr() as u64 };
    // SAFETY: the GDT lives in the kernel image for ever and holds the selectors loaded here;
    // the far return reloads CS with the kernel code selector at the next instruction.
    unsafe {
        asm!(
            "lgdt [{ptr}]",
            "push {cs}",
            "lea {tmp}, [rip + 2f]",
            "push {tmp}",
            "retfq",
            "2:",
            "mov ss, {ds:x}",
            "mov ds, {ds:x}",
            "mov es, {ds:x}",
            "xor {tmp:e}, {tmp:e}",
            "mov fs, {tmp:x}",
            "mov gs, {tmp:x}",
            "ltr {tss:x}",
            ptr = in(reg) &pointer,
            cs = const KERNEL_CS as u64,
            ds = in(reg) KERNEL_DS as u64,
            tss = in(reg) TSS_SELECTOR as u64,
            tmp = out(reg) _,
        );
    }
}
