//! The nanvix guest kernel: runs one Linux x86-64 program in ring 3, serves its memory,
//! clock and identity system calls itself and forwards I/O to the host (docs/guest-abi.md).
//!
//! Each folder is a layer, lowest first: `abi` (the vocabulary shared with the host and with
//! programs), `arch` (x86-64 mechanism), `mm` (memory), `host` (hypercalls and what the host
//! handed over), `proc` (processes, threads, signals), `syscalls` (the table and the handlers),
//! `kernel` (boot, traps, panic). A module uses only its own folder and the layers below it;
//! layers.rs holds the order and the tests that enforce it.
//!
//! Pure logic builds on the host and is unit-tested there; what executes privileged
//! instructions, talks to the host or holds the kernel's global state builds only for the
//! kernel itself.
#![cfg_attr(not(test), no_std)]

pub mod abi;
pub mod arch;
pub mod host;
pub mod mm;
pub mod proc;
pub mod syscalls;

#[cfg(not(test))]
pub mod kernel;

#[cfg(test)]
mod layers;
