//! The boot info the host handed over, validated at boot and read-only afterwards.

use crate::abi::boot::BootInfo;
use crate::arch::cell::KernelCell;

static BOOT: KernelCell<BootInfo> = KernelCell::new(BootInfo {
    magic: 0,
    abi_version: 0,
    kernel_base: 0,
    memory_size: 0,
    free_start: 0,
    free_end: 0,
    hypercall_page: 0,
    io_buffer: 0,
    io_buffer_size: 0,
    program_image: 0,
    program_size: 0,
    strings: 0,
    strings_size: 0,
    argc: 0,
    envc: 0,
    realtime_ns: 0,
    tsc_khz: 0,
    random: [0; 32],
    stack_size: 0,
    flags: 0,
    fast_calls: [0; 8],
});

/// Keeps the validated boot info.
///
/// # Safety
/// Once, at boot, before anything reads it (`get` hands out a reference for ever).
pub unsafe fn init(info: BootInfo) {
    // SAFETY: the caller's obligation: no reference to BOOT exists yet.
    unsafe { *BOOT.get() = info };
}

/// The validated boot info (read-only after boot).
pub fn get() -> &'static BootInfo {
    // SAFETY: written once during boot, before any other access, and never again.
    unsafe { &*BOOT.as_ptr() }
}
