//! The IDT for the 32 exception vectors: each gate points at its stub in the entry code
//! (entry.rs) and runs on an IST stack (gdt.rs).

use super::cell::KernelCell;
use super::entry::{trap_stubs, STUB_SIZE};
use super::exception::USER_GATES;
use super::gdt::{IST_DOUBLE_FAULT, IST_NMI_MCE, IST_OTHER, IST_PAGE_FAULT, KERNEL_CS};
use core::arch::asm;
use core::mem::size_of;

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
        // Interrupt gate (0xe), present; #BP and #OF may be raised by int3/int 4 in ring 3.
        let dpl = if USER_GATES.contains(&(vector as u64)) { 3 } else { 0 };
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
