//! x86-64 mechanism: the instructions the kernel needs (`cpu`), the descriptor tables (`gdt`,
//! `idt`), the assembly doors into and out of the kernel (`entry`) with the frame they save
//! (`trap_frame`), what the exceptions mean (`exception`), the memory functions the compiler calls
//! (`memfns`) and the cell global state lives in (`cell`). It imports only `abi`; the code the
//! doors lead to is called by link name (see entry.rs).
//!
//! The data and the pure parts build on the host too and are unit-tested there; what executes
//! privileged instructions or defines symbols builds only for the kernel.

pub mod cell;
pub mod exception;
pub mod trap_frame;

#[cfg(not(test))]
pub mod cpu;
#[cfg(not(test))]
pub mod door;
#[cfg(not(test))]
pub mod entry;
#[cfg(not(test))]
pub mod gdt;
#[cfg(not(test))]
pub mod idt;
#[cfg(not(test))]
pub mod memfns;
