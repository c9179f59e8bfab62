//! The memory functions the compiler calls (`core` has none on this target). Written with
//! `rep movsb`/`rep stosb`/`repe cmpsb` so the compiler cannot turn them into calls to
//! themselves.

use core::arch::asm;

/// # Safety
/// `dst` and `src` valid for `n` bytes, not overlapping.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // Eight bytes per iteration, then the rest: string instructions are emulated one
    // iteration at a time under PVM, so fewer iterations matter.
    // SAFETY: the caller guarantees both ranges; DF is clear in kernel code.
    unsafe {
        asm!(
            "rep movsq",
            "mov rcx, {tail}",
            "rep movsb",
            tail = in(reg) n % 8,
            inout("rdi") dst => _,
            inout("rsi") src => _,
            inout("rcx") n / 8 => _,
            options(nostack, preserves_flags),
        );
    }
    dst
}

/// # Safety
/// `dst` and `src` valid for `n` bytes; they may overlap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dst as usize).wrapping_sub(src as usize) >= n {
        // Forward copy is safe: dst is below src or the ranges do not overlap.
        // SAFETY: see memcpy.
        unsafe { memcpy(dst, src, n) };
    } else {
        // SAFETY: backwards from the last byte (DF set only for this instruction), so
        // overlapping bytes are read before they are overwritten.
        unsafe {
            asm!(
                "std",
                "rep movsb",
                "cld",
                inout("rdi") dst.add(n).wrapping_sub(1) => _,
                inout("rsi") src.add(n).wrapping_sub(1) => _,
                inout("rcx") n => _,
                options(nostack),
            );
        }
    }
    dst
}

/// # Safety
/// `dst` valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memset(dst: *mut u8, value: i32, n: usize) -> *mut u8 {
    let pattern = (value as u8 as u64) * 0x0101_0101_0101_0101;
    // SAFETY: the caller guarantees the range.
    unsafe {
        asm!(
            "rep stosq",
            "mov rcx, {tail}",
            "rep stosb",
            tail = in(reg) n % 8,
            inout("rdi") dst => _,
            inout("rcx") n / 8 => _,
            in("rax") pattern,
            options(nostack, preserves_flags),
        );
    }
    dst
}

/// # Safety
/// `a` and `b` valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    if n == 0 {
        return 0;
    }
    let (last_a, last_b): (u8, u8);
    // SAFETY: compares at most `n` bytes of both ranges; afterwards RSI/RDI point one past
    // the last compared pair, which is the first difference if ZF is clear.
    unsafe {
        asm!(
            "repe cmpsb",
            "mov {la}, byte ptr [rsi - 1]",
            "mov {lb}, byte ptr [rdi - 1]",
            inout("rsi") a => _,
            inout("rdi") b => _,
            inout("rcx") n => _,
            la = out(reg_byte) last_a,
            lb = out(reg_byte) last_b,
            options(nostack, readonly),
        );
    }
    last_a as i32 - last_b as i32
}

/// # Safety
/// `a` and `b` valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: same contract as memcmp.
    unsafe { memcmp(a, b, n) }
}
