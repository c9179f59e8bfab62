//! The kernel binary: `_start` switches from the host's entry state (RSP = 0) to the kernel
//! stack and calls `kernel_main(boot_info_kva, abi_version)` with the host's RDI and RSI.
#![no_std]
#![no_main]

use core::arch::global_asm;

global_asm!(
    ".section .text.start, \"ax\"",
    ".global _start",
    "_start:",
    "lea rsp, [rip + {stack} + {size}]",
    "xor ebp, ebp",
    "call {main}",
    "ud2",
    stack = sym nanvix_kernel::arch::gdt::KERNEL_STACK,
    size = const nanvix_kernel::arch::gdt::KERNEL_STACK_SIZE,
    main = sym nanvix_kernel::kernel::boot::kernel_main,
);
