//! The vocabulary the kernel shares with the host and with programs, and no code with state:
//! the contract with the host (`host`: addresses, ports, the hypercall page, run flags; `boot`:
//! the boot info and its strings block; `start`: a warm start's start message) and the parts of Linux's x86-64 ABI the kernel speaks
//! (`nr`: call numbers, `errno`, `stat`: the stat layouts, `linux`: flags, numbers and structures
//! that more than one module uses; those one module alone uses stay beside it). The bottom layer: it imports nothing else
//! of the kernel (see `layers.rs`).

pub mod boot;
pub mod errno;
pub mod host;
pub mod linux;
pub mod nr;
pub mod start;
pub mod stat;
