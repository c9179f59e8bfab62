//! The nanvix guest kernel: runs one Linux x86-64 program in ring 3, serves its memory,
//! clock and identity system calls itself and forwards I/O to the host (docs/guest-abi.md).
//!
//! Pure logic lives in modules that build on the host and are unit-tested there; the
//! machine-dependent modules (descriptor tables, traps, system-call entry, hypercalls) only
//! build for the kernel itself.
#![cfg_attr(not(test), no_std)]

pub mod abi;
pub mod arch;
pub mod host;
pub mod mm;
pub mod proc;
pub mod syscalls;

#[cfg(not(test))]
pub mod kernel;
