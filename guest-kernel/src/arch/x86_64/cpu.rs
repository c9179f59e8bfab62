//! Thin wrappers over the x86-64 instructions the kernel needs. Each is `unsafe` where the
//! instruction can break the machine's invariants; the callers say why their use is sound.

use super::trap_frame::FxArea;
use core::arch::asm;

pub const IA32_EFER: u32 = 0xc000_0080;
pub const IA32_STAR: u32 = 0xc000_0081;
pub const IA32_LSTAR: u32 = 0xc000_0082;
pub const IA32_FMASK: u32 = 0xc000_0084;
pub const IA32_FS_BASE: u32 = 0xc000_0100;
pub const IA32_GS_BASE: u32 = 0xc000_0101;
pub const IA32_KERNEL_GS_BASE: u32 = 0xc000_0102;

/// Writes a model-specific register.
///
/// # Safety
/// The MSR and value must be valid; MSRs such as LSTAR change how the CPU enters the kernel.
pub unsafe fn wrmsr(msr: u32, value: u64) {
    // SAFETY: the caller guarantees the write is meaningful; wrmsr touches no memory.
    unsafe {
        asm!("wrmsr", in("ecx") msr, in("eax") value as u32, in("edx") (value >> 32) as u32, options(nostack, preserves_flags));
    }
}

/// Reads a model-specific register.
///
/// # Safety
/// The MSR must exist (reading an unknown MSR raises #GP).
pub unsafe fn rdmsr(msr: u32) -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: the caller names an existing MSR; rdmsr touches no memory.
    unsafe {
        asm!("rdmsr", in("ecx") msr, out("eax") lo, out("edx") hi, options(nomem, nostack, preserves_flags));
    }
    ((hi as u64) << 32) | lo as u64
}

/// `out dx, eax`: the hypercall doorbell.
///
/// # Safety
/// The port's protocol (the hypercall page contents) must be set up as the host expects.
pub unsafe fn out32(port: u16, value: u32) {
    // SAFETY: port I/O exits to the host; the caller prepared the request. The host may write
    // guest memory (the hypercall page, the I/O buffer) meanwhile, so this is not `nomem`.
    unsafe {
        asm!("out dx, eax", in("dx") port, in("eax") value, options(nostack, preserves_flags));
    }
}

/// The time-stamp counter.
pub fn rdtsc() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: rdtsc only reads the counter (CR4.TSD is clear: the kernel runs at CPL 0).
    unsafe {
        asm!("rdtsc", out("eax") lo, out("edx") hi, options(nomem, nostack, preserves_flags));
    }
    ((hi as u64) << 32) | lo as u64
}

/// The faulting linear address of the last page fault.
pub fn read_cr2() -> u64 {
    let value: u64;
    // SAFETY: reading CR2 has no side effect.
    unsafe {
        asm!("mov {}, cr2", out(reg) value, options(nomem, nostack, preserves_flags));
    }
    value
}

pub fn read_cr3() -> u64 {
    let value: u64;
    // SAFETY: reading CR3 has no side effect.
    unsafe {
        asm!("mov {}, cr3", out(reg) value, options(nomem, nostack, preserves_flags));
    }
    value
}

/// Flushes every non-global TLB entry by reloading CR3.
pub fn flush_tlb() {
    // SAFETY: writing back the current CR3 keeps the same address space and only drops
    // cached translations.
    unsafe {
        asm!("mov cr3, {}", in(reg) read_cr3(), options(nostack, preserves_flags));
    }
}

/// Drops the TLB entry of one page.
pub fn invlpg(va: u64) {
    // SAFETY: invalidating a translation is always safe; the next access walks the tables.
    unsafe {
        asm!("invlpg [{}]", in(reg) va, options(nostack, preserves_flags));
    }
}

/// CPUID leaf/subleaf: (eax, ebx, ecx, edx).
pub fn cpuid(leaf: u32, subleaf: u32) -> (u32, u32, u32, u32) {
    // SAFETY: cpuid has no side effect beyond its outputs.
    let r = core::arch::x86_64::__cpuid_count(leaf, subleaf);
    (r.eax, r.ebx, r.ecx, r.edx)
}

/// Saves the FPU/SSE state into `area` (FXSAVE64).
pub fn fxsave(area: &mut FxArea) {
    // SAFETY: FxArea is a 512-byte, 16-byte-aligned buffer, as FXSAVE64 requires.
    unsafe { asm!("fxsave64 [{}]", in(reg) area.0.as_mut_ptr(), options(nostack, preserves_flags)) };
}

/// Loads the FPU/SSE state from `area` (FXRSTOR64).
pub fn fxrstor(area: &FxArea) {
    // SAFETY: the image was written by FXSAVE64 (or is the initial one): valid MXCSR bits.
    unsafe { asm!("fxrstor64 [{}]", in(reg) area.0.as_ptr(), options(nostack, preserves_flags, readonly)) };
}

/// Spins forever without HLT (HLT with interrupts off raises #GP under PVM).
pub fn spin() -> ! {
    loop {
        core::hint::spin_loop();
    }
}
